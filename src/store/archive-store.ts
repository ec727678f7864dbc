/**
 * Writing the archive: each message stored once (by id), with who and what it concerns in indexed
 * tables and a running count per hour and topic. Batches are written in one transaction.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { canonicalJson, type Headers } from '../message/index.js';
import type { Database, FactTable, MessageRow } from './schema.js';
import type { StoreDatabase } from './database.js';

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

const HOUR = 3_600_000;
/** Rows per INSERT statement, under both dialects' limits on bound parameters. */
const ROWS_PER_STATEMENT = 400;

/** What makes two messages the same: topic and body, whatever the JSON's spacing, escapes or key order. */
function contentKey(topic: string, body: string, raw: boolean): string {
  if (raw) return `${topic}\n${body}`;
  try {
    return `${topic}\n${canonicalJson(JSON.parse(body))}`;
  } catch {
    return `${topic}\n${body}`;
  }
}

function recordKey(record: ArchiveRecord): string {
  return contentKey(record.topic, record.body, record.raw);
}

function digest(key: string): string {
  return createHash('sha1').update(key).digest('hex').slice(0, 12);
}

/** Duplicates inside one batch: the same content once; other content under the same id renamed. */
function withinBatchCollisions(records: readonly ArchiveRecord[]): ArchiveRecord[] {
  const byId = new Map<string, ArchiveRecord[]>();
  for (const record of records) {
    const group = byId.get(record.id);
    if (group) group.push(record);
    else byId.set(record.id, [record]);
  }
  const out: ArchiveRecord[] = [];
  for (const group of byId.values()) {
    out.push(group[0]!);
    if (group.length === 1) continue;
    const seen = new Set([recordKey(group[0]!)]);
    for (const record of group.slice(1)) {
      const key = recordKey(record);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ...record, id: `${record.id}~${digest(key)}` });
    }
  }
  return out;
}

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
    if (this.store.dialect === 'postgres') await this.ensurePartitions(batch);
    return this.db.transaction().execute(async (trx) => {
      const first = await this.write(trx, batch);
      if (first.conflicts.length === 0) return first.stored;
      const existing = new Map(
        (await trx.selectFrom('messages').select(['id', 'topic', 'body', 'raw']).where('id', 'in', first.conflicts.map((r) => r.id)).execute()).map(
          (row) => [row.id, contentKey(row.topic, row.body, Number(row.raw) === 1)],
        ),
      );
      const collisions = first.conflicts
        .filter((record) => existing.get(record.id) !== recordKey(record))
        .map((record) => ({ ...record, id: `${record.id}~${digest(recordKey(record))}` }));
      if (collisions.length === 0) return first.stored;
      return first.stored + (await this.write(trx, collisions)).stored;
    });
  }

  /** Inserts what is new; reports the records whose id was already taken. */
  private async write(trx: Transaction<Database>, records: readonly ArchiveRecord[]): Promise<{ stored: number; conflicts: ArchiveRecord[] }> {
    const fresh = this.store.dialect === 'postgres' ? await this.claimIds(trx, records) : records;
    const storedIds = new Set<string>();
    for (const batch of chunks(fresh, ROWS_PER_STATEMENT)) {
      const rows = await trx
        .insertInto('messages')
        .values(
          batch.map((record) => ({
            id: record.id,
            time: record.time,
            topic: record.topic,
            category: record.category,
            severity: record.severity,
            schema: record.schema,
            agent: record.agent,
            headers: JSON.stringify(record.headers),
            body: record.body,
            raw: record.raw ? 1 : 0,
          })),
        )
        .onConflict((conflict) => (this.store.dialect === 'sqlite' ? conflict.column('id').doNothing() : conflict.doNothing()))
        .returning(['seq', 'id'])
        .execute();
      const byId = new Map(batch.map((record) => [record.id, record]));
      const stored = rows.map((row) => ({ seq: Number(row.seq), record: byId.get(row.id)! }));
      for (const row of rows) storedIds.add(row.id);
      await this.insertFacts(trx, 'message_users', stored, (record) => record.usernames);
      await this.insertFacts(trx, 'message_packages', stored, (record) => record.packages);
      await this.insertFacts(trx, 'message_groups', stored, (record) => record.groups);
      await this.addCounts(trx, stored.map(({ record }) => record));
    }
    return { stored: storedIds.size, conflicts: records.filter((record) => !storedIds.has(record.id)) };
  }

  /** PostgreSQL: the ids not seen before, claimed in `message_ids` (a partitioned table cannot keep them unique). */
  private async claimIds(trx: Transaction<Database>, records: readonly ArchiveRecord[]): Promise<ArchiveRecord[]> {
    const claimed = new Set<string>();
    for (const batch of chunks(records, ROWS_PER_STATEMENT * 4)) {
      const rows = await sql<{ id: string }>`INSERT INTO message_ids (id, time) VALUES ${sql.join(
        batch.map((record) => sql`(${record.id}, ${record.time})`),
      )} ON CONFLICT (id) DO NOTHING RETURNING id`.execute(trx);
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
    const rows = stored.flatMap(({ seq, record }) => [...new Set(names(record))].map((name) => ({ seq, name, time: record.time })));
    for (const batch of chunks(rows, ROWS_PER_STATEMENT * 3)) {
      await trx.insertInto(table).values(batch).onConflict((conflict) => conflict.doNothing()).execute();
    }
  }

  private async addCounts(trx: Transaction<Database>, records: readonly ArchiveRecord[]): Promise<void> {
    const counts = new Map<string, { hour: number; topic: string; category: string | null; count: number }>();
    for (const record of records) {
      const hour = Math.floor(record.time / HOUR) * HOUR;
      const key = `${hour} ${record.topic}`;
      const entry = counts.get(key);
      if (entry) entry.count++;
      else counts.set(key, { hour, topic: record.topic, category: record.category, count: 1 });
    }
    for (const batch of chunks([...counts.values()], ROWS_PER_STATEMENT)) {
      await trx
        .insertInto('message_counts')
        .values(batch)
        .onConflict((conflict) =>
          conflict.columns(['hour', 'topic']).doUpdateSet({ count: sql`message_counts.count + excluded.count` }),
        )
        .execute();
    }
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
        for (const table of ['message_users', 'message_packages', 'message_groups'] as const) {
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
        for (const table of ['message_users', 'message_packages', 'message_groups'] as const) {
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
