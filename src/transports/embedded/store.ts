/**
 * Durable state of the embedded broker in one SQLite file (WAL): exchanges, durable queues, their
 * bindings and their messages. All writes of one event-loop turn are committed in one transaction
 * (group commit), which is what makes durable publishing fast.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TidingsError, type Headers } from '../../message/index.js';
import type { OverflowPolicy, RawMessage } from '../../bus/index.js';

/** Another process holds this data directory's broker. */
export class DataDirInUseError extends TidingsError {
  readonly code = 'DATA_DIR_IN_USE';
}

export interface StoredQueue {
  readonly id: number;
  readonly name: string;
  readonly autoDelete: boolean;
  readonly maxLength: number | null;
  readonly overflow: OverflowPolicy;
  readonly deadLetterQueue: string | null;
}

export interface StoredBinding {
  readonly queueId: number;
  readonly exchange: string;
  readonly pattern: string;
}

export interface StoredEntry {
  readonly seq: number;
  readonly message: RawMessage;
  readonly exchange: string;
  readonly headersJson: string;
  readonly deliveries: number;
  readonly enqueuedAt: number;
}

/** A row to insert; `headersJson` is serialized once and shared by every queue the message went to. */
export interface EntryInsert {
  readonly seq: number;
  readonly queueId: number;
  readonly message: RawMessage;
  readonly exchange: string;
  readonly headersJson: string;
  readonly enqueuedAt: number;
}

export interface CommitBatch {
  readonly inserts: EntryInsert[];
  /** Sequence numbers of settled entries. */
  readonly deletes: number[];
  /** Delivery counters to remember (requeued entries), as [seq, deliveries]. */
  readonly deliveryCounts: Array<[number, number]>;
}

export type Durability = 'normal' | 'full';

export interface QueueStoreOptions {
  /** Directory for `bus.sqlite`; absent = in memory (tests, benchmarks of the broker logic). */
  readonly dataDir?: string;
  /**
   * `normal` (default): a committed publish survives a crash of the process, not of the machine.
   * `full`: fsync on every commit, survives power loss, costs throughput.
   */
  readonly durability?: Durability;
}

const SCHEMA_VERSION = 1;

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE exchanges (name TEXT PRIMARY KEY, type TEXT NOT NULL);
    CREATE TABLE queues (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      auto_delete INTEGER NOT NULL DEFAULT 0,
      max_length INTEGER,
      overflow TEXT NOT NULL DEFAULT 'drop-head',
      dead_letter_queue TEXT,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE bindings (
      queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
      exchange TEXT NOT NULL,
      pattern TEXT NOT NULL,
      PRIMARY KEY (queue_id, exchange, pattern)
    );
    CREATE TABLE entries (
      seq INTEGER PRIMARY KEY,
      queue_id INTEGER NOT NULL,
      message_id TEXT NOT NULL,
      topic TEXT NOT NULL,
      exchange TEXT NOT NULL,
      headers TEXT NOT NULL,
      body TEXT NOT NULL,
      priority INTEGER,
      deliveries INTEGER NOT NULL DEFAULT 0,
      enqueued_at INTEGER NOT NULL
    );
    CREATE INDEX entries_by_queue ON entries (queue_id, seq);
  `,
};

interface EntryRow {
  seq: number;
  queue_id: number;
  message_id: string;
  topic: string;
  exchange: string;
  headers: string;
  body: string;
  priority: number | null;
  deliveries: number;
  enqueued_at: number;
}

export class QueueStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly insertEntry: Database.Statement;
  private readonly deleteEntry: Database.Statement;
  private readonly deleteEntryRange: Database.Statement;
  private readonly updateDeliveries: Database.Statement;
  private readonly selectEntries: Database.Statement;
  private readonly commitTransaction: (batch: CommitBatch) => void;

  constructor(options: QueueStoreOptions = {}) {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    this.path = options.dataDir ? join(options.dataDir, 'bus.sqlite') : ':memory:';
    this.db = new Database(this.path);
    this.lockExclusively();
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    // Messages come and go quickly: let the WAL grow to ~40 MB before copying pages back, so a page
    // written and freed within that window is copied once, not again at every checkpoint.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.migrate();

    this.insertEntry = this.db.prepare(
      `INSERT INTO entries (seq, queue_id, message_id, topic, exchange, headers, body, priority, enqueued_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.deleteEntry = this.db.prepare('DELETE FROM entries WHERE seq = ?');
    this.deleteEntryRange = this.db.prepare('DELETE FROM entries WHERE seq BETWEEN ? AND ?');
    this.updateDeliveries = this.db.prepare('UPDATE entries SET deliveries = ? WHERE seq = ?');
    this.selectEntries = this.db.prepare(
      'SELECT * FROM entries WHERE queue_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    );
    this.commitTransaction = this.db.transaction((batch: CommitBatch) => {
      for (const e of batch.inserts) {
        const { message } = e;
        this.insertEntry.run(e.seq, e.queueId, message.id, message.topic, e.exchange, e.headersJson, message.body, message.priority ?? null, e.enqueuedAt);
      }
      this.runDeletes(batch.deletes);
      for (const [seq, deliveries] of batch.deliveryCounts) this.updateDeliveries.run(deliveries, seq);
    });
  }

  /**
   * One broker per data directory: two brokers over one file would deliver every message twice.
   * SQLite's exclusive locking mode holds the lock for the life of the connection.
   */
  private lockExclusively(): void {
    if (this.path === ':memory:') return;
    this.db.pragma('busy_timeout = 0');
    this.db.pragma('locking_mode = EXCLUSIVE');
    try {
      this.db.exec('BEGIN EXCLUSIVE; COMMIT;');
    } catch (error) {
      this.db.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY') {
        throw new DataDirInUseError(
          `${this.path} is in use by another Tidings process: stop it, or give this one another --data directory`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `${this.path} was written by a newer Tidings (schema ${current}, this one knows ${SCHEMA_VERSION}): upgrade Tidings`,
      );
    }
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[version]!);
        this.db.pragma(`user_version = ${version}`);
      })();
    }
  }

  /** Deletes settled entries, turning runs of consecutive sequence numbers into one range delete. */
  private runDeletes(seqs: number[]): void {
    if (seqs.length === 0) return;
    // Acks mostly come in order; sort only when they did not.
    for (let i = 1; i < seqs.length; i++) {
      if (seqs[i]! < seqs[i - 1]!) {
        seqs = Array.from(Float64Array.from(seqs).sort());
        break;
      }
    }
    let start = seqs[0]!;
    let end = start;
    for (let i = 1; i <= seqs.length; i++) {
      const seq = seqs[i];
      if (seq === end + 1) {
        end = seq;
        continue;
      }
      if (seq === end) continue;
      if (start === end) this.deleteEntry.run(start);
      else this.deleteEntryRange.run(start, end);
      if (seq === undefined) break;
      start = end = seq;
    }
  }

  commit(batch: CommitBatch): void {
    this.commitTransaction(batch);
  }

  maxSeq(): number {
    const row = this.db.prepare('SELECT max(seq) AS seq FROM entries').get() as { seq: number | null };
    return row.seq ?? 0;
  }

  exchanges(): string[] {
    return (this.db.prepare('SELECT name FROM exchanges').all() as Array<{ name: string }>).map((r) => r.name);
  }

  saveExchange(name: string): void {
    this.db.prepare("INSERT OR IGNORE INTO exchanges (name, type) VALUES (?, 'topic')").run(name);
  }

  queues(): StoredQueue[] {
    const rows = this.db.prepare('SELECT * FROM queues ORDER BY id').all() as Array<{
      id: number;
      name: string;
      auto_delete: number;
      max_length: number | null;
      overflow: OverflowPolicy;
      dead_letter_queue: string | null;
    }>;
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      autoDelete: r.auto_delete === 1,
      maxLength: r.max_length,
      overflow: r.overflow,
      deadLetterQueue: r.dead_letter_queue,
    }));
  }

  /** Inserts or updates a durable queue; returns its id. */
  saveQueue(queue: Omit<StoredQueue, 'id'>): number {
    this.db
      .prepare(
        `INSERT INTO queues (name, auto_delete, max_length, overflow, dead_letter_queue, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET max_length = excluded.max_length, overflow = excluded.overflow`,
      )
      .run(queue.name, queue.autoDelete ? 1 : 0, queue.maxLength, queue.overflow, queue.deadLetterQueue, Date.now());
    return (this.db.prepare('SELECT id FROM queues WHERE name = ?').get(queue.name) as { id: number }).id;
  }

  deleteQueue(queueId: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM entries WHERE queue_id = ?').run(queueId);
      this.db.prepare('DELETE FROM queues WHERE id = ?').run(queueId);
    })();
  }

  bindings(): StoredBinding[] {
    return (this.db.prepare('SELECT queue_id, exchange, pattern FROM bindings').all() as Array<{
      queue_id: number;
      exchange: string;
      pattern: string;
    }>).map((r) => ({ queueId: r.queue_id, exchange: r.exchange, pattern: r.pattern }));
  }

  saveBinding(binding: StoredBinding): void {
    this.db
      .prepare('INSERT OR IGNORE INTO bindings (queue_id, exchange, pattern) VALUES (?, ?, ?)')
      .run(binding.queueId, binding.exchange, binding.pattern);
  }

  deleteBinding(binding: StoredBinding): void {
    this.db
      .prepare('DELETE FROM bindings WHERE queue_id = ? AND exchange = ? AND pattern = ?')
      .run(binding.queueId, binding.exchange, binding.pattern);
  }

  /** Number of stored entries per queue id. */
  entryCounts(): Map<number, number> {
    const rows = this.db.prepare('SELECT queue_id, count(*) AS n FROM entries GROUP BY queue_id').all() as Array<{
      queue_id: number;
      n: number;
    }>;
    return new Map(rows.map((r) => [r.queue_id, r.n]));
  }

  /** The next `limit` entries of a queue after `afterSeq`, oldest first. */
  loadEntries(queueId: number, afterSeq: number, limit: number): StoredEntry[] {
    return (this.selectEntries.all(queueId, afterSeq, limit) as EntryRow[]).map((r) => ({
      seq: r.seq,
      message: {
        id: r.message_id,
        topic: r.topic,
        headers: JSON.parse(r.headers) as Headers,
        body: r.body,
        ...(r.priority !== null ? { priority: r.priority } : {}),
      },
      exchange: r.exchange,
      headersJson: r.headers,
      deliveries: r.deliveries,
      enqueuedAt: r.enqueued_at,
    }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
