/**
 * Ingest for `npm run bench -- archive`: `ArchiveStore.insert` in batches (as the archive writer
 * does), against raw batched inserts of the same `messages` rows into a plain table (no indexes, no
 * facts, no counts) on the same database engine. Each generated batch goes to both, in alternating
 * order, so the machine's noise falls on both alike; only the inserts are timed.
 */
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { ArchiveRecord, ArchiveStore } from '../src/store/index.js';
import type { SyntheticArchive } from './_archive-data.js';

export interface Baseline {
  insert(records: readonly ArchiveRecord[]): Promise<void> | void;
  close(): Promise<void>;
}

export interface IngestResult {
  /** msg/s */
  readonly tidings: number;
  readonly baseline: number;
  readonly tidingsSeconds: number;
  readonly baselineSeconds: number;
  /** What `insert` reported as new: every message, unless something was wrongly taken for a duplicate. */
  readonly stored: number;
}

const COLUMNS = ['id', 'time', 'topic', 'category', 'severity', 'schema', 'agent', 'headers', 'body', 'raw'] as const;

/** The `messages` row of a record, as the store writes it. */
function row(record: ArchiveRecord): unknown[] {
  return [record.id, record.time, record.topic, record.category, record.severity, record.schema, record.agent, JSON.stringify(record.headers), record.body, record.raw ? 1 : 0];
}

/** better-sqlite3 with the store's pragmas: one prepared INSERT, a transaction per batch. */
export function sqliteBaseline(path: string): Baseline {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, time INTEGER NOT NULL, topic TEXT NOT NULL,
    category TEXT, severity INTEGER NOT NULL, schema TEXT NOT NULL, agent TEXT, headers TEXT NOT NULL, body TEXT NOT NULL,
    raw INTEGER NOT NULL DEFAULT 0)`);
  const insert = db.prepare(`INSERT INTO messages (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
  const insertAll = db.transaction((records: readonly ArchiveRecord[]) => {
    for (const record of records) insert.run(...row(record));
  });
  return {
    insert: (records) => insertAll(records),
    close: async () => void db.close(),
  };
}

const ROWS_PER_STATEMENT = 5_000;

/** `pg`: multi-row INSERTs of up to 5,000 rows, a transaction per batch. */
export async function postgresBaseline(url: string): Promise<Baseline> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE TABLE baseline_messages (seq BIGINT GENERATED ALWAYS AS IDENTITY, id TEXT NOT NULL, time BIGINT NOT NULL,
    topic TEXT NOT NULL, category TEXT, severity SMALLINT NOT NULL, schema TEXT NOT NULL, agent TEXT, headers TEXT NOT NULL,
    body TEXT NOT NULL, raw SMALLINT NOT NULL DEFAULT 0)`);
  const statements = new Map<number, string>();
  let closed = false;
  const statementFor = (rows: number): string => {
    let text = statements.get(rows);
    if (!text) {
      const tuples = Array.from({ length: rows }, (_, r) => `(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`);
      text = `INSERT INTO baseline_messages (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`;
      statements.set(rows, text);
    }
    return text;
  };
  return {
    async insert(records) {
      await client.query('BEGIN');
      // A statement takes at most 65,535 parameters: 5,000 rows of 10 columns each.
      for (let from = 0; from < records.length; from += ROWS_PER_STATEMENT) {
        const chunk = records.slice(from, from + ROWS_PER_STATEMENT);
        await client.query(statementFor(chunk.length), chunk.flatMap(row));
      }
      await client.query('COMMIT');
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.query('DROP TABLE IF EXISTS baseline_messages').catch(() => undefined);
      await client.end();
    },
  };
}

export async function ingest(label: string, archive: SyntheticArchive, store: ArchiveStore, baseline: Baseline, batchSize: number): Promise<IngestResult> {
  let tidingsMs = 0;
  let baselineMs = 0;
  let stored = 0;
  let done = 0;
  let batchNumber = 0;
  const reportEvery = Math.max(batchSize, Math.round(Math.min(100_000, archive.messages / 10) / batchSize) * batchSize);
  const started = performance.now();
  const timeTidings = async (batch: ArchiveRecord[]): Promise<void> => {
    const t = performance.now();
    stored += await store.insert(batch);
    tidingsMs += performance.now() - t;
  };
  const timeBaseline = async (batch: ArchiveRecord[]): Promise<void> => {
    const t = performance.now();
    await baseline.insert(batch);
    baselineMs += performance.now() - t;
  };
  for (const batch of archive.batches(batchSize)) {
    if (batchNumber++ % 2 === 0) {
      await timeTidings(batch);
      await timeBaseline(batch);
    } else {
      await timeBaseline(batch);
      await timeTidings(batch);
    }
    const before = done;
    done += batch.length;
    if (Math.floor(done / reportEvery) > Math.floor(before / reportEvery) || done === archive.messages) {
      const rate = (ms: number): string => Math.round(done / (ms / 1000)).toLocaleString('en-US').padStart(7);
      process.stderr.write(
        `  ${label}: ${done.toLocaleString('en-US').padStart(9)} / ${archive.messages.toLocaleString('en-US')}  tidings ${rate(tidingsMs)} msg/s  baseline ${rate(baselineMs)} msg/s  (${Math.round((performance.now() - started) / 1000)} s)\n`,
      );
    }
  }
  return {
    tidings: archive.messages / (tidingsMs / 1000),
    baseline: archive.messages / (baselineMs / 1000),
    tidingsSeconds: tidingsMs / 1000,
    baselineSeconds: baselineMs / 1000,
    stored,
  };
}
