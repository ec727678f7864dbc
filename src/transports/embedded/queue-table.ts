/**
 * The messages of one durable queue: a table of their own, `queue_<id>`, keyed by the queue's own
 * sequence number. One table per queue needs no secondary index (inserting ~13% faster than a shared
 * table indexed by queue), reads a backlog without skipping other queues' rows, and turns the
 * acknowledgement of consecutive messages into one range delete whatever other queues are doing.
 */
import type Database from 'better-sqlite3';
import type { Headers } from '../../message/index.js';
import type { RawMessage } from '../../bus/index.js';

/** A row to insert; `headersJson` is serialized once and shared by every queue the message went to. */
export interface EntryInsert {
  readonly seq: number;
  readonly message: RawMessage;
  readonly exchange: string;
  readonly headersJson: string;
  readonly enqueuedAt: number;
}

export interface StoredEntry {
  readonly seq: number;
  readonly message: RawMessage;
  readonly exchange: string;
  readonly headersJson: string;
  readonly deliveries: number;
  readonly enqueuedAt: number;
}

interface EntryRow {
  seq: number;
  message_id: string;
  topic: string;
  exchange: string;
  headers: string;
  body: string;
  priority: number | null;
  deliveries: number;
  enqueued_at: number;
}

/** Rows per multi-row INSERT: one statement call per row would be the larger part of the cost. */
const INSERT_ROWS = 16;
const COLUMNS = 'seq, message_id, topic, exchange, headers, body, priority, enqueued_at';
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?)';
const ROW_WIDTH = 8;

export function queueTableName(queueId: number): string {
  if (!Number.isSafeInteger(queueId) || queueId <= 0) throw new Error(`invalid queue id ${queueId}`);
  return `queue_${queueId}`;
}

export function createQueueTableSql(queueId: number): string {
  return `CREATE TABLE IF NOT EXISTS ${queueTableName(queueId)} (
    seq INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    exchange TEXT NOT NULL,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    priority INTEGER,
    deliveries INTEGER NOT NULL DEFAULT 0,
    enqueued_at INTEGER NOT NULL
  )`;
}

function writeRow(values: unknown[], at: number, entry: EntryInsert): void {
  const { message } = entry;
  values[at] = entry.seq;
  values[at + 1] = message.id;
  values[at + 2] = message.topic;
  values[at + 3] = entry.exchange;
  values[at + 4] = entry.headersJson;
  values[at + 5] = message.body;
  values[at + 6] = message.priority ?? null;
  values[at + 7] = entry.enqueuedAt;
}

export class QueueTable {
  private readonly insertOne: Database.Statement;
  private readonly insertMany: Database.Statement;
  private readonly deleteOne: Database.Statement;
  private readonly deleteRange: Database.Statement;
  private readonly updateDeliveries: Database.Statement;
  private readonly selectAfter: Database.Statement;
  private readonly rowValues: unknown[] = new Array(ROW_WIDTH);
  private readonly manyValues: unknown[] = new Array(ROW_WIDTH * INSERT_ROWS);

  constructor(db: Database.Database, queueId: number) {
    const table = queueTableName(queueId);
    const insert = `INSERT INTO ${table} (${COLUMNS}) VALUES `;
    this.insertOne = db.prepare(insert + ROW);
    this.insertMany = db.prepare(insert + Array(INSERT_ROWS).fill(ROW).join(', '));
    this.deleteOne = db.prepare(`DELETE FROM ${table} WHERE seq = ?`);
    this.deleteRange = db.prepare(`DELETE FROM ${table} WHERE seq BETWEEN ? AND ?`);
    this.updateDeliveries = db.prepare(`UPDATE ${table} SET deliveries = ? WHERE seq = ?`);
    this.selectAfter = db.prepare(`SELECT * FROM ${table} WHERE seq > ? ORDER BY seq LIMIT ?`);
  }

  insert(entries: readonly EntryInsert[]): void {
    let i = 0;
    for (; i + INSERT_ROWS <= entries.length; i += INSERT_ROWS) {
      for (let k = 0; k < INSERT_ROWS; k++) writeRow(this.manyValues, k * ROW_WIDTH, entries[i + k]!);
      this.insertMany.run(this.manyValues);
    }
    for (; i < entries.length; i++) {
      writeRow(this.rowValues, 0, entries[i]!);
      this.insertOne.run(this.rowValues);
    }
  }

  /** Deletes settled entries, turning runs of consecutive sequence numbers into one range delete. */
  delete(seqs: number[]): void {
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
      if (start === end) this.deleteOne.run(start);
      else this.deleteRange.run(start, end);
      if (seq === undefined) break;
      start = end = seq;
    }
  }

  rememberDeliveries(seq: number, deliveries: number): void {
    this.updateDeliveries.run(deliveries, seq);
  }

  /** The next `limit` entries after `afterSeq`, oldest first. */
  loadAfter(afterSeq: number, limit: number): StoredEntry[] {
    return (this.selectAfter.all(afterSeq, limit) as EntryRow[]).map((row) => ({
      seq: row.seq,
      message: {
        id: row.message_id,
        topic: row.topic,
        headers: JSON.parse(row.headers) as Headers,
        body: row.body,
        ...(row.priority !== null ? { priority: row.priority } : {}),
      },
      exchange: row.exchange,
      headersJson: row.headers,
      deliveries: row.deliveries,
      enqueuedAt: row.enqueued_at,
    }));
  }
}
