/**
 * A matched message, rendered once into what every channel shows of it (a Notification). It is
 * rendered at match time and stored with the job, so that a retry days later or a digest sends what
 * the message said, and a channel never needs the schema registry or the archive.
 */
import type { DerivedFacts, Message } from '../../message/index.js';
import { relativeTopic } from '../../schemas/index.js';
import type { MatchReason } from '../model.js';
import type { CommitExcerpt, Notification } from './types.js';

/** How much of a commit's patch commit mail carries: enough to review a typical spec change. */
export const PATCH_EXCERPT_BYTES = 16 * 1024;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0);

/** The application a person knows the message by: the topic's category (`buildsys`, `bodhi`, `git`). */
export function appOf(topic: string, facts: Pick<DerivedFacts, 'app'>): string {
  const category = relativeTopic(topic).split('.')[0];
  return (category && category !== '' ? category : facts.app ?? 'tidings').toLowerCase();
}

/** Cuts UTF-8 text to at most `bytes` bytes without splitting a character. */
export function cutUtf8(value: string, bytes: number): { text: string; cut: boolean } {
  const encoded = Buffer.from(value, 'utf8');
  if (encoded.length <= bytes) return { text: value, cut: false };
  let end = bytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the character that did not fit.
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end--;
  return { text: encoded.subarray(0, end).toString('utf8'), cut: true };
}

/** What commit mail shows of a `git.receive` message; null for any other message. */
export function commitExcerpt(message: Message): CommitExcerpt | null {
  if (!/^git\.receive(\.|$)/.test(relativeTopic(message.topic))) return null;
  const commit = message.body['commit'];
  if (!isObject(commit)) return null;
  const repo = text(commit['repo']) ?? '';
  const namespace = text(commit['namespace']);
  const stats = isObject(commit['stats']) && isObject(commit['stats']['files']) ? commit['stats']['files'] : {};
  const files = Object.entries(stats)
    .slice(0, 200)
    .map(([path, numbers]) => ({
      path,
      insertions: count(isObject(numbers) ? (numbers['insertions'] ?? numbers['additions']) : 0),
      deletions: count(isObject(numbers) ? numbers['deletions'] : 0),
    }));
  const patch = cutUtf8(text(commit['patch']) ?? '', PATCH_EXCERPT_BYTES);
  const message_ = text(commit['message']) ?? '';
  return {
    repository: namespace ? `${namespace}/${repo}` : repo,
    branch: text(commit['branch']) ?? '',
    rev: text(commit['rev']) ?? '',
    author: [text(commit['name']), text(commit['email']) ? `<${text(commit['email'])}>` : undefined].filter(Boolean).join(' '),
    subject: text(commit['summary']) ?? message_.split('\n')[0] ?? '',
    message: cutUtf8(message_, 8 * 1024).text,
    files,
    patch: patch.text,
    patchTruncated: patch.cut,
  };
}

export function renderNotification(message: Message, facts: DerivedFacts, reasons: readonly MatchReason[], now = Date.now()): Notification {
  return {
    messageId: message.id,
    topic: message.topic,
    app: appOf(message.topic, facts),
    summary: facts.summary,
    url: facts.url,
    severity: facts.severity,
    sentAt: (facts.sentAt ?? new Date(now)).toISOString(),
    agent: facts.agent,
    usernames: facts.usernames,
    packages: facts.packages,
    reasons,
    commit: commitExcerpt(message),
  };
}
