/**
 * Keeps the matcher's index current: built whole at start, then changed piece by piece from the
 * store's change feed (a rule edited, a package's owners, a group's members), polled every second,
 * so that a setting saved in the web pages applies to the next message.
 *
 * On PostgreSQL a change can become visible after one with a higher number (transactions commit in
 * any order), so a number skipped in the feed is looked for again for GAP_PATIENCE_MS; and the index
 * is rebuilt whole every REBUILD_EVERY_MS as a safety net.
 */
import type { Logger } from 'pino';
import { MatchIndex } from '../match/index.js';
import type { Rule } from '../model.js';
import type { Change, NotifyStore } from '../store/index.js';

const POLL_MS = 1_000;
const GAP_PATIENCE_MS = 30_000;
const REBUILD_EVERY_MS = 10 * 60_000;
/** More changes than this in one poll: rebuilding is cheaper than applying them one by one. */
const REBUILD_ABOVE = 500;

export interface IndexSyncOptions {
  readonly logger?: Logger;
  /** Called after destinations changed, so caches of them can be dropped. */
  readonly onDestinationChange?: (destinationId: string) => void;
}

export class IndexSync {
  private current = new MatchIndex();
  private lastSeq = 0;
  private readonly missing = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private rebuiltAt = 0;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly store: NotifyStore,
    private readonly options: IndexSyncOptions = {},
  ) {}

  get index(): MatchIndex {
    return this.current;
  }

  async start(): Promise<void> {
    await this.rebuild();
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
    return this.polling ?? Promise.resolve();
  }

  /** Applies what changed since the last poll (also called directly by tests). */
  poll(now = Date.now()): Promise<void> {
    this.polling ??= this.pollOnce(now)
      .catch((error: unknown) => this.options.logger?.warn({ err: error }, 'could not read the notification settings feed; trying again'))
      .finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async pollOnce(now: number): Promise<void> {
    if (now - this.rebuiltAt > REBUILD_EVERY_MS) return this.rebuild();
    for (const [seq, since] of this.missing) if (now - since > GAP_PATIENCE_MS) this.missing.delete(seq);
    const from = this.missing.size > 0 ? Math.min(...this.missing.keys()) - 1 : this.lastSeq;
    const changes = (await this.store.changesSince(from, REBUILD_ABOVE + 1)).filter((change) => change.seq > this.lastSeq || this.missing.has(change.seq));
    if (changes.length > REBUILD_ABOVE || changes.some((change) => change.key === '*')) return this.rebuild();
    for (const change of changes) {
      await this.apply(change);
      this.missing.delete(change.seq);
      for (let seq = this.lastSeq + 1; seq < change.seq; seq++) this.missing.set(seq, now);
      this.lastSeq = Math.max(this.lastSeq, change.seq);
    }
  }

  private async apply(change: Change): Promise<void> {
    const index = this.current;
    switch (change.kind) {
      case 'rule': {
        const [rule] = await this.store.rulesById([change.key]);
        if (rule) this.upsert(index, rule);
        else index.removeRule(change.key);
        return;
      }
      case 'user':
        for (const rule of await this.store.rules(change.key)) this.upsert(index, rule);
        return;
      case 'package':
        index.replaceOwners(change.key, await this.store.ownersOf(change.key));
        return;
      case 'group':
        index.replaceMembers(change.key, await this.store.membersOf(change.key));
        return;
      case 'destination':
        this.options.onDestinationChange?.(change.key);
        return;
    }
  }

  private upsert(index: MatchIndex, rule: Rule): void {
    try {
      index.upsertRule(rule);
    } catch (error) {
      // A rule stored before a validation rule tightened: skipped, not fatal for everyone else's.
      index.removeRule(rule.id);
      this.options.logger?.warn({ err: error, rule: rule.id }, 'a stored rule could not be indexed; it is skipped');
    }
  }

  private async rebuild(): Promise<void> {
    const seq = await this.store.version();
    const [rules, ownership, membership] = await Promise.all([this.store.allRules(), this.store.allOwners(), this.store.allMembers()]);
    const index = new MatchIndex({ ownership, membership });
    for (const rule of rules) this.upsert(index, rule);
    this.current = index;
    this.lastSeq = seq;
    this.missing.clear();
    this.rebuiltAt = Date.now();
    this.options.onDestinationChange?.('*');
    this.options.logger?.info({ ...index.stats() }, 'notification rules indexed');
  }
}
