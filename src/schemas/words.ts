/** Small text helpers the applications' schemas share: topics, build names, short titles. */
import { topicWords } from '../message/index.js';

/** The first words of `<tld>.<org>.<env>.<app>…` topics (as the message part's categoryOf reads them). */
const PREFIX_ROOTS: ReadonlySet<string> = new Set(['org', 'com', 'io', 'net']);

function isPrefixed(words: readonly string[]): boolean {
  return words.length >= 4 && PREFIX_ROOTS.has(words[0]!);
}

/**
 * The topic without its `<tld>.<org>.<env>` prefix: `org.fedoraproject.stg.buildsys.tag` gives
 * `buildsys.tag`. A topic published without a prefix is returned as it is.
 */
export function relativeTopic(topic: string): string {
  const words = topicWords(topic);
  return isPrefixed(words) ? words.slice(3).join('.') : topic;
}

/** The deployment a prefixed topic names (`prod`, `stg`, `dev`), or null. */
export function environmentOf(topic: string): string | null {
  const words = topicWords(topic);
  return isPrefixed(words) ? words[2]! : null;
}

/** The words of the relative topic after the first `skip` (e.g. the `valgrind.master` of `git.receive.valgrind.master`). */
export function topicTail(topic: string, skip: number): string[] {
  return topicWords(relativeTopic(topic)).slice(skip);
}

/** The last word of the topic: the event of `bodhi.update.request.testing` is `testing`. */
export function lastWord(topic: string): string {
  const words = topicWords(topic);
  return words[words.length - 1] ?? '';
}

/** The package of a build's name-version-release: `kernel-6.1.0-1.fc38` gives `kernel`. */
export function packageOfNvr(nvr: string): string {
  const parts = nvr.split('-');
  return parts.length > 2 ? parts.slice(0, -2).join('-') : parts[0]!;
}

/** Cut at 40 characters with "...", as Bodhi's own summaries do with long update titles. */
export function shorten(title: string, max = 40): string {
  return title.length >= max ? `${title.slice(0, max)}...` : title;
}

/** `revoke` → `revoked`, `unpush` → `unpushed`. */
export function pastTense(verb: string): string {
  return verb + (verb.endsWith('e') ? 'd' : 'ed');
}

/** `a`, `a and b`, `a, b and c`. */
export function series(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
