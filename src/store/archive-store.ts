/**
 * Writing the archive: each message stored once (by id), with who and what it concerns in indexed
 * tables and a running count per hour and topic. Batches are written in one transaction.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Headers } from '../message/index.js';
import type { Database, FactTable, MessageRow } from './schema.js';
import type { StoreDatabase } from './database.js';
import { collisionId, contentKey, recordKey, withinBatchCollisions } from './content-key.js';
import { HOUR, hourlyCounts } from './hourly-counts.js';

/** A message as the archive keeps it: its envelope, its derived facts, and its body as JSON text. */
export interface ArchiveRecord {
  readonly id: string;
  /** Epoch milliseconds. */
  readonly time: number;
  readonly topic: string;
  readonly category: string | null;
  readonly severity: number;
  readonly schema: string;
  readonly agent: string | null;
  readonly headers: Headers;
  /** The body's JSON text, or for a raw record the text as received. */
  readonly body: string;
  /** The message could not be understood; it is kept as received and flagged. */
  readonly raw: boolean;
  readonly usernames: readonly string[];
  readonly packages: readonly string[];
  readonly groups: readonly string[];
}

export interface StoredMessage {
  readonly seq: number;
  readonly id: string;
  readonly time: number;
  readonly topic: string;
  readonly category: string | null;
  readonly severity: number;
  readonly schema: string;
  readonly agent: string | null;
  readonly headers: Headers;
  /** The body as an object, or the raw text of a message that could not be decoded. */
  readonly body: unknown;
  readonly raw: boolean;
}

/** Rows per statement for PostgreSQL's claim of ids (arrays, so no limit on bound parameters applies). */
const ROWS_PER_STATEMENT = 2_000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function toStoredMessage(row: MessageRow): StoredMessage {
  let body: unknown = row.body;
  if (!row.raw) {
    try {
      body = JSON.parse(row.body);
    } catch {
      body = row.body;
    }
  }
  return {
    seq: Number(row.seq),
    id: row.id,
    time: Number(row.time),
    topic: row.topic,
    category: row.category,
    severity: Number(row.severity),
    schema: row.schema,
    agent: row.agent,
    headers: JSON.parse(row.headers) as Headers,
    body,
    raw: Number(row.raw) === 1,
  };
}

export class ArchiveStore {
  /** PostgreSQL partitions known to exist, by month start. */
  private readonly partitions = new Set<number>();

  constructor(private readonly store: StoreDatabase) {}

  get db(): Kysely<Database> {
    return this.store.db;
  }

  /**
   * Stores the records not stored yet; returns how many were new. A record whose id is already
   * stored with the same content (a redelivery, a second import) is skipped. One whose id is taken
   * by different content (ids reused by a buggy publisher, or fixtures) is kept too, under
   * `<id>~<digest>`: nothing is lost because two messages claimed one id.
   */
  async insert(records: readonly ArchiveRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const batch = withinBatchCollisions(records);
    if (this.store.sqliteWriter) return this.store.sqliteWriter().insert(batch);
    await this.ensurePartitions(batch);
    return this.db.transaction().execute(async (trx) => {
      const first = await this.writePostgres(trx, batch);
      if (first.conflicts.length === 0) return first.stored;
      const existing = new Map(
        (await trx.selectFrom('messages').select(['id', 'topic', 'body', 'raw']).where('id', 'in', first.conflicts.map((r) => r.id)).execute()).map(
          (row) => [row.id, contentKey(row.topic, row.body, Number(row.raw) === 1)],
        ),
      );
      const collisions = first.conflicts
        .filter((record) => existing.get(record.id) !== recordKey(record))
        .map((record) => ({ ...record, id: collisionId(record) }));
      if (collisions.length === 0) return first.stored;
      return first.stored + (await this.writePostgres(trx, collisions)).stored;
    });
  }

  /**
   * PostgreSQL: inserts what is new, each table in one statement over arrays (`unnest`), which the
   * server parses once whatever the batch size; reports the records whose id was already taken.
   */
  private async writePostgres(trx: Transaction<Database>, records: readonly ArchiveRecord[]): Promise<{ stored: number; conflicts: ArchiveRecord[] }> {
    const fresh = await this.claimIds(trx, records);
    const freshIds = new Set(fresh.map((record) => record.id));
    if (fresh.length > 0) {
      const column = <T>(pick: (record: ArchiveRecord) => T): T[] => fresh.map(pick);
      const rows = await sql<{ seq: string; id: string }>`
        INSERT INTO messages (id, time, topic, category, severity, schema, agent, headers, body, raw)
        SELECT * FROM unnest(${column((r) => r.id)}::text[], ${column((r) => r.time)}::bigint[], ${column((r) => r.topic)}::text[],
          ${column((r) => r.category)}::text[], ${column((r) => r.severity)}::smallint[], ${column((r) => r.schema)}::text[],
          ${column((r) => r.agent)}::text[], ${column((r) => JSON.stringify(r.headers))}::text[], ${column((r) => r.body)}::text[],
          ${column((r) => (r.raw ? 1 : 0))}::smallint[])
        RETURNING seq, id`.execute(trx);
      const byId = new Map(fresh.map((record) => [record.id, record]));
      const stored = rows.rows.map((row) => ({ seq: Number(row.seq), record: byId.get(row.id)! }));
      await this.insertFacts(trx, 'message_users', stored, (record) => record.usernames);
      await this.insertFacts(trx, 'message_packages', stored, (record) => record.packages);
      await this.insertFacts(trx, 'message_groups', stored, (record) => record.groups);
      await this.insertFacts(trx, 'message_agents', stored, (record) => (record.agent === null ? [] : [record.agent]));
      await this.addCounts(trx, fresh);
    }
    return { stored: fresh.length, conflicts: records.filter((record) => !freshIds.has(record.id)) };
  }

  /** PostgreSQL: the ids not seen before, claimed in `message_ids` (a partitioned table cannot keep them unique). */
  private async claimIds(trx: Transaction<Database>, records: readonly ArchiveRecord[]): Promise<ArchiveRecord[]> {
    const claimed = new Set<string>();
    for (const batch of chunks(records, ROWS_PER_STATEMENT)) {
      const rows = await sql<{ id: string }>`INSERT INTO message_ids (id, time)
        SELECT * FROM unnest(${batch.map((record) => record.id)}::text[], ${batch.map((record) => record.time)}::bigint[])
        ON CONFLICT (id) DO NOTHING RETURNING id`.execute(trx);
      for (const row of rows.rows) claimed.add(row.id);
    }
    return records.filter((record) => claimed.has(record.id));
  }

  private async insertFacts(
    trx: Transaction<Database>,
    table: FactTable,
    stored: ReadonlyArray<{ seq: number; record: ArchiveRecord }>,
    names: (record: ArchiveRecord) => readonly string[],
  ): Promise<void> {
    const seqs: number[] = [];
    const values: string[] = [];
    const times: number[] = [];
    const categories: Array<string | null> = [];
    for (const { seq, record } of stored) {
      for (const name of new Set(names(record))) {
        seqs.push(seq);
        values.push(name);
        times.push(record.time);
        categories.push(record.category);
      }
    }
    if (seqs.length === 0) return;
    await sql`INSERT INTO ${sql.table(table)} (seq, name, time, category)
      SELECT * FROM unnest(${seqs}::bigint[], ${values}::text[], ${times}::bigint[], ${categories}::text[]) ON CONFLICT DO NOTHING`.execute(trx);
  }

  private async addCounts(trx: Transaction<Database>, records: readonly ArchiveRecord[]): Promise<void> {
    const counts = hourlyCounts(records);
    await sql`INSERT INTO message_counts (hour, topic, category, count)
      SELECT * FROM unnest(${counts.map((c) => c.hour)}::bigint[], ${counts.map((c) => c.topic)}::text[],
        ${counts.map((c) => c.category)}::text[], ${counts.map((c) => c.count)}::bigint[])
      ON CONFLICT (hour, topic) DO UPDATE SET count = message_counts.count + excluded.count`.execute(trx);
  }

  /** PostgreSQL: a partition for every month the records fall in, created once. */
  private async ensurePartitions(records: readonly ArchiveRecord[]): Promise<void> {
    const months = new Set<number>();
    for (const record of records) {
      const date = new Date(record.time);
      months.add(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
    }
    for (const start of months) {
      if (this.partitions.has(start)) continue;
      const date = new Date(start);
      const end = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
      const name = `messages_${date.getUTCFullYear()}_${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
      try {
        await sql`CREATE TABLE IF NOT EXISTS ${sql.table(name)} PARTITION OF messages FOR VALUES FROM (${sql.lit(start)}) TO (${sql.lit(end)})`.execute(this.db);
      } catch (error) {
        // Another archive writer created it at the same moment: it exists, which is what we wanted.
        if (!/already exists/.test((error as Error).message)) throw error;
      }
      this.partitions.add(start);
    }
  }

  /**
   * Forgets messages older than `cutoff` (epoch ms); returns how many went. SQLite deletes them a
   * chunk at a time (short transactions, the archive writer keeps going). PostgreSQL drops whole
   * monthly partitions that end before the cutoff — fast, no bloat — so it keeps up to a month more.
   */
  async prune(cutoff: number): Promise<number> {
    await this.db.deleteFrom('message_counts').where('hour', '<', Math.floor(cutoff / HOUR) * HOUR).execute();
    return this.store.dialect === 'postgres' ? this.dropPartitionsBefore(cutoff) : this.deleteBefore(cutoff);
  }

  private async deleteBefore(cutoff: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const seqs = (await this.db.selectFrom('messages').select('seq').where('time', '<', cutoff).limit(5_000).execute()).map((row) => row.seq);
      if (seqs.length === 0) return deleted;
      await this.db.transaction().execute(async (trx) => {
        for (const table of ['message_users', 'message_packages', 'message_groups', 'message_agents'] as const) {
          await trx.deleteFrom(table).where('seq', 'in', seqs).execute();
        }
        await trx.deleteFrom('messages').where('seq', 'in', seqs).execute();
      });
      deleted += seqs.length;
    }
  }

  private async dropPartitionsBefore(cutoff: number): Promise<number> {
    const partitions = await sql<{ name: string; upper: string }>`
      SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS upper
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'messages'`.execute(this.db);
    let dropped = 0;
    for (const { name, upper } of partitions.rows) {
      const end = Number(/TO \('?(\d+)'?\)/.exec(upper)?.[1]);
      if (!Number.isFinite(end) || end > cutoff) continue;
      const counted = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(name)}`.execute(this.db);
      await this.db.transaction().execute(async (trx) => {
        await sql`DROP TABLE ${sql.table(name)}`.execute(trx);
        await trx.deleteFrom('message_ids').where('time', '<', end).execute();
        for (const table of ['message_users', 'message_packages', 'message_groups', 'message_agents'] as const) {
          await trx.deleteFrom(table).where('time', '<', end).execute();
        }
      });
      this.partitions.delete(Date.UTC(new Date(end).getUTCFullYear(), new Date(end).getUTCMonth() - 1, 1));
      dropped += Number(counted.rows[0]?.n ?? 0);
    }
    return dropped;
  }

  async get(id: string): Promise<StoredMessage | undefined> {
    const row = await this.db.selectFrom('messages').selectAll().where('id', '=', id).limit(1).executeTakeFirst();
    return row ? toStoredMessage(row) : undefined;
  }
}
