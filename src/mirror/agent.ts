/**
 * A mirror agent: it syncs its tree when its upstream says so, and says so to its own downstream.
 * - Tier 1 follows the master: out of sync → hold; in sync → pull the changed subtrees.
 * - Tier 2 follows its tier-1: sync start → hold; sync finish → pull; sync failed → stop holding.
 * Pulls arriving while it syncs are coalesced into one more pass; a hold arriving while it syncs
 * stops the sync (its upstream is being written) and the next pull runs it again. Every sync is
 * ordered (see ordered-sync.ts), locked (one per tree, across processes), announced (start, then
 * finish or failed) and traced into the tree. A failure is retried with backoff. And as a safety
 * net for lost messages, it compares its serial with its upstream's trace on a slow timer.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Bus, Consumer, MessageVerifier, ReceivedMessage } from '../bus/index.js';
import type { Body } from '../message/index.js';
import { owe, type Hop, type PendingSync } from './agent-state.js';
import { MANIFEST_FILE, MASTER_NAME, MASTER_TOPICS } from './announcer.js';
import { SyncError } from './errors.js';
import { coverSubtrees, subtreesOfFiles, WHOLE_TREE } from './hints.js';
import { buildManifest, diffManifests, parseManifest } from './manifest.js';
import { TreeLock } from './lock.js';
import { orderedSync, type OrderedSyncOptions, type OrderedSyncReport } from './ordered-sync.js';
import { runRsync } from './rsync.js';
import { parseTrace, readTrace, TRACE_DIRECTORY, writeTrace } from './trace.js';

export const SYNC_TOPICS = { start: 'mirror.sync.start', finish: 'mirror.sync.finish', failed: 'mirror.sync.failed' } as const;

export interface MirrorAgentOptions {
  readonly name: string;
  readonly tier: number;
  /** `master`, or the name of the tier-1 mirror this one follows. */
  readonly upstream: string;
  readonly module: string;
  /** The local tree this agent keeps. */
  readonly tree: string;
  /** Where it syncs from: the upstream's tree, a local path or `rsync://host/module`. */
  readonly source: string;
  /** The lock file (outside the tree). */
  readonly lockPath: string;
  readonly metadataPatterns?: readonly string[];
  readonly maxDeletions?: number;
  /** Act only on announcements stamped with this identity (x-tidings-identity, signed when `verify` is set). */
  readonly trustedIdentity?: string;
  readonly verify?: MessageVerifier;
  /** How often the upstream's trace is compared with our serial (0: never). */
  readonly serialCheckMs?: number;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  readonly queue?: string;
  /** The rsync program (default: rsync on the PATH). */
  readonly rsync?: string;
  /** What copies the tree (default: orderedSync with rsync); the mirror benchmark times a stand-in. */
  readonly copy?: (options: OrderedSyncOptions) => Promise<OrderedSyncReport>;
  /** Write the trace file after each sync (default true). */
  readonly trace?: boolean;
  readonly logger?: Logger;
}

export type AgentState = 'idle' | 'held' | 'syncing' | 'waiting-to-retry' | 'stopped';

export class MirrorAgent {
  private served = 0;
  private pending: PendingSync | null = null;
  private held = false;
  private running: Promise<void> | null = null;
  private inProgress: number | null = null;
  private abort: AbortController | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  private consumer: Consumer | undefined;
  private readonly lock: TreeLock;
  private readonly log: Logger | undefined;
  /** Completed syncs, for tests and status. */
  syncs = 0;
  lastError: string | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly options: MirrorAgentOptions,
  ) {
    this.lock = new TreeLock(options.lockPath);
    this.log = options.logger?.child({ mirror: options.name });
  }

  get serial(): number {
    return this.served;
  }

  get state(): AgentState {
    if (this.stopped) return 'stopped';
    if (this.running) return 'syncing';
    if (this.held) return 'held';
    if (this.retryTimer) return 'waiting-to-retry';
    return 'idle';
  }

  /** Reads the serial it serves from its own trace, then follows its upstream. */
  async start(): Promise<Consumer> {
    this.served = this.options.trace === false ? 0 : ((await readTrace(this.options.tree, this.options.name))?.serial ?? 0);
    const { upstream } = this.options;
    const bindings = upstream === MASTER_NAME ? [MASTER_TOPICS.outOfSync, MASTER_TOPICS.inSync] : [SYNC_TOPICS.start, SYNC_TOPICS.finish, SYNC_TOPICS.failed];
    this.consumer = await this.bus.consume(
      { queue: this.options.queue ?? `tidings.mirror.${this.options.name}`, bindings: bindings.flatMap((topic) => [topic, `*.*.*.${topic}`]), prefetch: 50, ...(this.options.verify ? { verify: this.options.verify } : {}) },
      (message) => this.onMessage(message),
    );
    if (this.options.serialCheckMs) {
      this.checkTimer = setInterval(() => void this.checkSerial(), this.options.serialCheckMs);
      this.checkTimer.unref();
    }
    this.log?.info({ serial: this.served, upstream }, 'mirror agent following its upstream');
    // What was owed when the agent last stopped (killed mid-sync, messages missed while down) is
    // not in any queue any more: the upstream's trace tells.
    void this.checkSerial();
    return this.consumer;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.checkTimer);
    await this.consumer?.stop();
    this.abort?.abort();
    await this.running?.catch(() => undefined);
  }

  /** Why a message is not for this agent (null: it is). */
  private ignoreReason(message: ReceivedMessage): string | null {
    const body = message.body as Record<string, unknown>;
    if (body['module'] !== this.options.module) return 'another module';
    if (this.options.upstream !== MASTER_NAME && body['mirror'] !== this.options.upstream) return 'another mirror';
    if (this.options.trustedIdentity !== undefined && message.headers['x-tidings-identity'] !== this.options.trustedIdentity) {
      return `not from ${this.options.trustedIdentity} (the identity allowed to announce for ${this.options.upstream})`;
    }
    return null;
  }

  onMessage(message: ReceivedMessage): void {
    const why = this.ignoreReason(message);
    if (why !== null) {
      if (why.startsWith('not from')) this.log?.warn({ id: message.id, topic: message.topic, identity: message.headers['x-tidings-identity'] ?? null }, `announcement ignored: ${why}`);
      return;
    }
    const topic = message.topic.slice(message.topic.indexOf('mirror.'));
    const body = message.body as Record<string, unknown>;
    if (topic === MASTER_TOPICS.outOfSync || topic === SYNC_TOPICS.start) return this.hold();
    if (topic === SYNC_TOPICS.failed) {
      this.held = false;
      return;
    }
    let paths: string[];
    try {
      // Checked before anything reaches rsync: a hint outside the module refuses the whole message.
      paths = coverSubtrees(Array.isArray(body['paths']) ? (body['paths'] as unknown[]).map(String) : []);
    } catch (error) {
      this.log?.warn({ id: message.id, err: error }, `announcement ignored: ${(error as Error).message}`);
      return;
    }
    const serial = Number(body['serial']);
    const hops = Array.isArray(body['hops']) ? (body['hops'] as Hop[]) : [{ mirror: MASTER_NAME, tier: 0, started: String(body['time'] ?? ''), finished: String(body['time'] ?? '') }];
    this.held = false;
    this.pull({ serial, previous: Number(body['previous'] ?? 0), paths, hops, trigger: 'message' });
  }

  private hold(): void {
    this.held = true;
    if (this.abort) {
      this.log?.info('upstream is changing: stopping the sync in progress; the next pull runs it again');
      this.abort.abort();
    }
  }

  private pull(pull: Parameters<typeof owe>[2]): void {
    // A sync in progress counts as served: a pull following it is its next change, not a missed one.
    const owed = owe(this.pending, Math.max(this.served, this.inProgress ?? 0), pull);
    if (owed === null) return;
    this.pending = owed;
    this.kick();
  }

  /** Starts the owed sync unless held, running or waiting for a retry. */
  private kick(): void {
    if (this.stopped || this.held || this.running || this.retryTimer || this.pending === null) return;
    const job = this.pending;
    this.pending = null;
    this.inProgress = job.serial;
    this.running = this.sync(job).finally(() => {
      this.running = null;
      this.inProgress = null;
      this.kick();
    });
  }

  private async sync(job: PendingSync): Promise<void> {
    const started = new Date().toISOString();
    const base = { mirror: this.options.name, tier: this.options.tier, upstream: this.options.upstream, module: this.options.module, serial: job.serial, previous: this.served, paths: job.paths, trigger: job.trigger };
    this.abort = new AbortController();
    try {
      await this.lock.acquire();
    } catch (error) {
      this.abort = null;
      return this.failed(job, base, error, 'content', started);
    }
    try {
      await this.announce(SYNC_TOPICS.start, { ...base, hops: job.hops });
      const subtrees = job.paths.includes(WHOLE_TREE) ? await this.narrowFromManifest() : job.paths;
      const report = await (this.options.copy ?? orderedSync)({
        source: this.options.source,
        destination: this.options.tree,
        subtrees,
        protect: [`/${TRACE_DIRECTORY}/${this.options.name}`],
        signal: this.abort.signal,
        onSpawn: (pid) => void this.lock.recordWorker(pid).catch(() => undefined),
        ...(this.options.rsync ? { rsync: this.options.rsync } : {}),
        ...(this.options.metadataPatterns ? { metadataPatterns: this.options.metadataPatterns } : {}),
        ...(this.options.maxDeletions !== undefined ? { maxDeletions: this.options.maxDeletions } : {}),
      });
      const finished = new Date().toISOString();
      if (this.options.trace !== false) await writeTrace(this.options.tree, { mirror: this.options.name, tier: this.options.tier, upstream: this.options.upstream, module: this.options.module, serial: job.serial, started, finished, trigger: job.trigger, stages: stageSeconds(report), bytes: report.bytes, files: report.transferred.length });
      this.served = job.serial;
      this.syncs++;
      this.failures = 0;
      this.lastError = null;
      // Downstream is told what changed since the previous serial (job.paths), not what this sync
      // happened to copy: a killed sync's rsync may have copied part of it already, and a mirror
      // following this one still lacks all of it. (It narrows a whole-tree pull itself, the same way.)
      await this.announce(SYNC_TOPICS.finish, {
        ...base,
        hops: [...job.hops, { mirror: this.options.name, tier: this.options.tier, started, finished }],
        seconds: report.seconds,
        stages: stageSeconds(report),
        bytes: report.bytes,
        files: report.transferred.length,
        deleted: report.deleted.length,
      });
      this.log?.info({ serial: job.serial, paths: job.paths, files: report.transferred.length, bytes: report.bytes, deleted: report.deleted.length, capped: report.deletionsCapped }, 'synced');
    } catch (error) {
      await this.failed(job, base, error, error instanceof SyncError ? error.stage : 'content', started);
    } finally {
      this.abort = null;
      await this.lock.release();
    }
  }

  private async failed(job: PendingSync, base: Record<string, unknown>, error: unknown, stage: string, started: string): Promise<void> {
    const aborted = this.abort?.signal.aborted === true || this.held;
    // Owed again: merged with whatever arrived meanwhile.
    this.pending = owe(this.pending, this.served, { serial: job.serial, previous: 0, paths: job.paths, hops: job.hops, trigger: job.trigger }) ?? this.pending;
    if (aborted || this.stopped) return;
    this.failures++;
    const delay = Math.min(this.options.retryMaxMs ?? 600_000, (this.options.retryMinMs ?? 5_000) * 2 ** (this.failures - 1));
    this.lastError = (error as Error).message;
    this.log?.warn({ err: error, retryInMs: delay }, 'sync failed; trying again later');
    await this.announce(SYNC_TOPICS.failed, { ...base, hops: job.hops, error: this.lastError.slice(0, 1000), stage, seconds: (Date.now() - Date.parse(started)) / 1000, retry_in: delay / 1000 }).catch(() => undefined);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, delay);
    this.retryTimer.unref();
  }

  /**
   * A whole-tree sync (a missed change, a lost message, hints too broad) narrowed to what differs:
   * the upstream's manifest against this tree's own, so that the tree is walked locally instead of
   * by rsync over the network. Falls back to the whole tree when there is no manifest to compare.
   */
  private async narrowFromManifest(): Promise<string[]> {
    if (this.options.copy) return [WHOLE_TREE];
    const directory = await mkdtemp(join(tmpdir(), 'tidings-manifest-'));
    try {
      const fetched = await runRsync([`${this.options.source.replace(/\/+$/, '')}/${MANIFEST_FILE}`, join(directory, 'manifest')], this.options.rsync ? { rsync: this.options.rsync } : {});
      if (fetched.exitCode !== 0) return [WHOLE_TREE];
      const upstream = parseManifest(await readFile(join(directory, 'manifest'), 'utf8'));
      const diff = diffManifests(await buildManifest(this.options.tree), upstream);
      const changed = [...diff.added, ...diff.changed, ...diff.removed];
      const subtrees = changed.length === 0 ? [WHOLE_TREE] : subtreesOfFiles(changed);
      this.log?.info({ changed: changed.length, subtrees }, 'whole-tree sync narrowed by the manifests');
      return subtrees;
    } catch (error) {
      this.log?.debug({ err: error }, 'no manifest to narrow the sync with; syncing the whole tree');
      return [WHOLE_TREE];
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  private async announce(topic: string, body: Record<string, unknown>): Promise<void> {
    try {
      await this.bus.publish({ topic, body: body as Body, schema: `${topic}.v1` });
    } catch (error) {
      // The bus being away must not fail a sync that worked; the trace tells the truth meanwhile.
      this.log?.warn({ err: error, topic }, 'could not announce');
    }
  }

  /** The safety net: the upstream's trace names a newer serial than ours, and no message said so. */
  async checkSerial(): Promise<boolean> {
    if (this.running || this.held || this.pending) return false;
    const upstream = await this.upstreamSerial().catch((error: unknown) => {
      this.log?.debug({ err: error }, 'could not read the upstream trace');
      return 0;
    });
    if (upstream <= this.served) return false;
    this.log?.warn({ upstream, served: this.served }, 'behind the upstream with no message about it: syncing the whole tree');
    this.pull({ serial: upstream, previous: upstream, paths: [WHOLE_TREE], hops: [], trigger: 'serial-check' });
    return true;
  }

  private async upstreamSerial(): Promise<number> {
    const directory = await mkdtemp(join(tmpdir(), 'tidings-trace-'));
    try {
      const name = this.options.upstream;
      const result = await runRsync([`${this.options.source.replace(/\/+$/, '')}/${TRACE_DIRECTORY}/${name}`, join(directory, 'trace')], this.options.rsync ? { rsync: this.options.rsync } : {});
      if (result.exitCode !== 0) return 0;
      return parseTrace(await readFile(join(directory, 'trace'), 'utf8'))?.serial ?? 0;
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }
}

function stageSeconds(report: OrderedSyncReport): Record<string, number> {
  return Object.fromEntries(Object.entries(report.stages).map(([stage, value]) => [stage, Math.round(value.seconds * 1000) / 1000]));
}
