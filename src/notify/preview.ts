/**
 * "What would this rule have sent me?" — a rule, before it is saved, run against the archive's last
 * seven days with the same matcher the notifier uses (an index holding only this rule and its
 * owner's packages and groups), so the preview and the real notifications cannot disagree.
 *
 * The archive is read through its indexes where the rule allows: a rule that follows only people
 * and packages reads only the messages about them. A rule that follows applications, topics or
 * groups reads the window whole, up to a bound, and says so when it stopped early.
 */
import type { QueryRequest } from '../archive/index.js';
import { storedAsMessage } from '../archive/index.js';
import type { SchemaRegistry } from '../message/index.js';
import type { StoredMessage } from '../store/index.js';
import { MatchIndex } from './match/index.js';
import type { Rule } from './model.js';
import type { NotifyStore } from './store/index.js';
import { validateRule } from './validate.js';

export const PREVIEW_WINDOW_MS = 7 * 24 * 3_600_000;
/** Messages read at most for one preview: a busy bus's week is millions, a preview answers in seconds. */
export const PREVIEW_MAX_SCANNED = 200_000;
export const PREVIEW_MAX_SHOWN = 50;

/** What the previewer reads the archive through (ArchiveQueries). */
export interface ArchiveScanner {
  scan(request: QueryRequest, batchSize?: number): AsyncIterable<StoredMessage>;
}

export interface PreviewItem {
  readonly id: string;
  readonly time: number;
  readonly topic: string;
  readonly summary: string;
  readonly url: string | null;
  /** Why it would have been sent: "you own kernel"… */
  readonly because: readonly string[];
}

export interface RulePreview {
  readonly from: number;
  readonly to: number;
  /** Messages of the window the preview read. */
  readonly scanned: number;
  /** How many of them the rule matches. */
  readonly matched: number;
  /** False when the bound on messages read stopped it before the end of the window. */
  readonly complete: boolean;
  /** The newest matches, newest first, at most PREVIEW_MAX_SHOWN. */
  readonly items: readonly PreviewItem[];
}

export interface PreviewOptions {
  readonly now?: number;
  readonly windowMs?: number;
  readonly maxScanned?: number;
  readonly maxShown?: number;
}

const PREVIEW_DESTINATION = 'preview';

function request(start: number, end: number, filters: Partial<QueryRequest['filters']>): QueryRequest {
  const none: string[] = [];
  return {
    filters: {
      topic: none, category: none, user: none, package: none, agent: none, contains: none,
      not_topic: none, not_category: none, not_user: none, not_package: none, not_agent: none,
      ...filters,
    },
    start,
    end,
    page: 1,
    rowsPerPage: 100,
    order: 'asc',
    meta: [],
    arguments: {},
  };
}

export class RulePreviewer {
  constructor(
    private readonly store: NotifyStore,
    private readonly archive: ArchiveScanner,
    private readonly registry: SchemaRegistry,
  ) {}

  /**
   * Runs a rule as a person entered it (validated like a saved one, except that its destinations
   * are not needed) over the archive. Throws RuleValidationError for a rule that could not be saved.
   */
  async preview(owner: string, input: unknown, options: PreviewOptions = {}): Promise<RulePreview> {
    const now = options.now ?? Date.now();
    const to = now;
    const from = now - (options.windowMs ?? PREVIEW_WINDOW_MS);
    const maxScanned = options.maxScanned ?? PREVIEW_MAX_SCANNED;
    const maxShown = options.maxShown ?? PREVIEW_MAX_SHOWN;

    // The destinations do not change what matches: a stand-in lets an unfinished rule be previewed.
    const asEntered = typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {};
    const valid = validateRule({ ...asEntered, enabled: true, destinations: [PREVIEW_DESTINATION] }, { owner, destinations: new Map([[PREVIEW_DESTINATION, { owner, verifiedAt: now }]]) });
    const rule: Rule = { id: 'preview', owner, ...valid, disabledByAdmin: null, createdAt: now, updatedAt: now };
    const [ownership, membership] = await Promise.all([this.store.packagesOf(owner), this.store.groupsOf(owner)]);
    const index = new MatchIndex({ rules: [rule], ownership, membership });

    const seen = new Set<string>();
    const found: PreviewItem[] = [];
    let scanned = 0;
    let matched = 0;
    let complete = true;
    scans: for (const scan of this.scansFor(rule, ownership.map((entry) => entry.package), from, to)) {
      for await (const stored of this.archive.scan(scan)) {
        if (seen.has(stored.id)) continue;
        seen.add(stored.id);
        if (++scanned > maxScanned) {
          scanned = maxScanned;
          complete = false;
          break scans;
        }
        const message = storedAsMessage(stored);
        const facts = this.registry.facts(message);
        const [match] = index.match(message, facts);
        if (!match) continue;
        matched += 1;
        found.push({ id: stored.id, time: stored.time, topic: stored.topic, summary: facts.summary, url: facts.url, because: match.reasons.map((reason) => reason.because) });
      }
    }
    found.sort((a, b) => b.time - a.time);
    return { from, to, scanned, matched, complete, items: found.slice(0, maxShown) };
  }

  /** The archive reads that cover every message the rule can match. */
  private scansFor(rule: Rule, ownedPackages: readonly string[], from: number, to: number): QueryRequest[] {
    const { tracking } = rule;
    if (tracking.apps.length > 0 || tracking.topics.length > 0 || tracking.groups.length > 0) return [request(from, to, {})];
    const users = [...new Set([...(tracking.myEvents ? [rule.owner] : []), ...tracking.users])];
    const packages = [...new Set([...(tracking.myPackages ? ownedPackages : []), ...tracking.packages])];
    const scans: QueryRequest[] = [];
    // Values of one filter are alternatives (datagrepper's rule); chunks keep each statement modest.
    for (let i = 0; i < users.length; i += 500) scans.push(request(from, to, { user: users.slice(i, i + 500) }));
    for (let i = 0; i < packages.length; i += 500) scans.push(request(from, to, { package: packages.slice(i, i + 500) }));
    return scans;
  }
}
