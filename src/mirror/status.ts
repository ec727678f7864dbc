/**
 * The mirror network at a glance, from its own announcements: for each module the master's state
 * and serials, for each mirror its state, the serial it serves, how far behind the master it is (in
 * serials and in time since the first change it lacks) and its last failure. Pure: messages in,
 * a snapshot out; serve feeds it from the archive at start, then live from the bus.
 */
export interface MasterStatus {
  readonly module: string;
  readonly state: 'in-sync' | 'out-of-sync';
  readonly serial: number;
  /** ISO 8601: when it entered that state. */
  readonly since: string;
}

export interface MirrorStatus {
  readonly mirror: string;
  readonly tier: number;
  readonly upstream: string;
  readonly module: string;
  readonly state: 'syncing' | 'current' | 'behind' | 'failing';
  /** The serial it serves (its last finished sync); 0 before its first. */
  readonly serial: number;
  /** The serial of the sync in progress, if one is. */
  readonly syncing: number | null;
  readonly lastFinished: string | null;
  readonly lastSeconds: number | null;
  /** Master serials it does not serve yet. */
  readonly lagSerials: number;
  /** Seconds since the master announced the first change this mirror lacks; 0 when current. */
  readonly lagSeconds: number;
  readonly lastFailure: { readonly time: string; readonly error: string; readonly stage: string | null } | null;
}

interface MirrorRecord {
  mirror: string;
  tier: number;
  upstream: string;
  module: string;
  serial: number;
  syncing: number | null;
  lastFinished: string | null;
  lastSeconds: number | null;
  lastFailure: MirrorStatus['lastFailure'];
  failedSinceFinish: boolean;
}

/** How many of a module's recent master serials are kept (with their times), to measure lag. */
const SERIALS_KEPT = 1000;

export class MirrorStatusBoard {
  private readonly masters = new Map<string, MasterStatus>();
  /** module → master serials announced in sync, ascending, with when. */
  private readonly serials = new Map<string, Array<{ serial: number; time: number }>>();
  private readonly mirrors = new Map<string, MirrorRecord>();

  /** Takes one announcement in; anything else (or a malformed one) is ignored. */
  apply(topic: string, body: Record<string, unknown>, time: Date): void {
    const event = topic.slice(topic.lastIndexOf('mirror.'));
    const module = typeof body['module'] === 'string' ? body['module'] : null;
    const serial = Number(body['serial']);
    if (module === null || !Number.isSafeInteger(serial)) return;
    const iso = time.toISOString();
    if (event === 'mirror.master.out_of_sync' || event === 'mirror.master.in_sync') {
      const state = event === 'mirror.master.in_sync' ? 'in-sync' : 'out-of-sync';
      this.masters.set(module, { module, state, serial, since: iso });
      if (state === 'in-sync') {
        const list = this.serials.get(module) ?? [];
        if (!list.some((entry) => entry.serial === serial)) {
          list.push({ serial, time: time.getTime() });
          list.sort((a, b) => a.serial - b.serial);
          if (list.length > SERIALS_KEPT) list.splice(0, list.length - SERIALS_KEPT);
        }
        this.serials.set(module, list);
      }
      return;
    }
    const name = typeof body['mirror'] === 'string' ? body['mirror'] : null;
    if (name === null || !event.startsWith('mirror.sync.')) return;
    const key = `${module}\0${name}`;
    const record = this.mirrors.get(key) ?? { mirror: name, tier: 0, upstream: '', module, serial: 0, syncing: null, lastFinished: null, lastSeconds: null, lastFailure: null, failedSinceFinish: false };
    record.tier = Number(body['tier'] ?? record.tier);
    record.upstream = String(body['upstream'] ?? record.upstream);
    if (event === 'mirror.sync.start') record.syncing = serial;
    else if (event === 'mirror.sync.finish') {
      record.serial = Math.max(record.serial, serial);
      record.syncing = null;
      record.lastFinished = iso;
      record.lastSeconds = typeof body['seconds'] === 'number' ? body['seconds'] : null;
      record.failedSinceFinish = false;
    } else if (event === 'mirror.sync.failed') {
      record.syncing = null;
      record.lastFailure = { time: iso, error: String(body['error'] ?? ''), stage: typeof body['stage'] === 'string' ? body['stage'] : null };
      record.failedSinceFinish = true;
    }
    this.mirrors.set(key, record);
  }

  /** Every mirror, worst first (failing, then most behind), then by tier and name. */
  snapshot(now = new Date()): { masters: MasterStatus[]; mirrors: MirrorStatus[] } {
    const mirrors = [...this.mirrors.values()].map((record): MirrorStatus => {
      const newer = (this.serials.get(record.module) ?? []).filter((entry) => entry.serial > record.serial);
      const lagSeconds = newer.length > 0 ? Math.max(0, (now.getTime() - newer[0]!.time) / 1000) : 0;
      const state = record.syncing !== null ? 'syncing' : record.failedSinceFinish ? 'failing' : newer.length > 0 ? 'behind' : 'current';
      return {
        mirror: record.mirror,
        tier: record.tier,
        upstream: record.upstream,
        module: record.module,
        state,
        serial: record.serial,
        syncing: record.syncing,
        lastFinished: record.lastFinished,
        lastSeconds: record.lastSeconds,
        lagSerials: newer.length,
        lagSeconds: Math.round(lagSeconds),
        lastFailure: record.lastFailure,
      };
    });
    const rank = { failing: 0, behind: 1, syncing: 2, current: 3 } as const;
    mirrors.sort((a, b) => rank[a.state] - rank[b.state] || b.lagSeconds - a.lagSeconds || a.tier - b.tier || a.mirror.localeCompare(b.mirror));
    return { masters: [...this.masters.values()].sort((a, b) => a.module.localeCompare(b.module)), mirrors };
  }
}
