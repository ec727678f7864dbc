/**
 * The archive's write path on SQLite: prepared statements run in one synchronous transaction per
 * batch. Query builders compile a fresh multi-row INSERT per batch, which SQLite must then parse and
 * plan; a statement prepared once is parsed once.
 */
import type SqliteDatabase from 'better-sqlite3';
import type { ArchiveRecord } from './archive-store.js';
import { collisionId, contentKey, recordKey } from './content-key.js';
import { hourlyCounts } from './hourly-counts.js';

type Statement = SqliteDatabase.Statement;

export class SqliteArchiveWriter {
  private readonly insertMessage: Statement;
  private readonly selectContent: Statement;
  private readonly insertFact: { readonly users: Statement; readonly packages: Statement; readonly groups: Statement; readonly agents: Statement };
  private readonly addCount: Statement;
  private readonly transaction: (records: readonly ArchiveRecord[]) => number;

  constructor(db: SqliteDatabase.Database) {
    this.insertMessage = db.prepare(
      `INSERT INTO messages (id, time, topic, category, severity, schema, agent, headers, body, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING seq`,
    );
    this.selectContent = db.prepare('SELECT topic, body, raw FROM messages WHERE id = ?');
    const fact = (table: string): Statement => db.prepare(`INSERT INTO ${table} (seq, name, time, category) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`);
    this.insertFact = { users: fact('message_users'), packages: fact('message_packages'), groups: fact('message_groups'), agents: fact('message_agents') };
    this.addCount = db.prepare(
      `INSERT INTO message_counts (hour, topic, category, count) VALUES (?, ?, ?, ?)
       ON CONFLICT (hour, topic) DO UPDATE SET count = message_counts.count + excluded.count`,
    );
    this.transaction = db.transaction((records: readonly ArchiveRecord[]) => this.write(records));
  }

  /** Stores what is new (see ArchiveStore.insert); returns how many were stored. */
  insert(records: readonly ArchiveRecord[]): number {
    return this.transaction(records);
  }

  private write(records: readonly ArchiveRecord[]): number {
    const stored: ArchiveRecord[] = [];
    for (const record of records) {
      if (this.store(record)) {
        stored.push(record);
        continue;
      }
      const existing = this.selectContent.get(record.id) as { topic: string; body: string; raw: number } | undefined;
      if (existing && contentKey(existing.topic, existing.body, existing.raw === 1) === recordKey(record)) continue;
      const renamed = { ...record, id: collisionId(record) };
      if (this.store(renamed)) stored.push(renamed);
    }
    for (const { hour, topic, category, count } of hourlyCounts(stored)) this.addCount.run(hour, topic, category, count);
    return stored.length;
  }

  /** False when the id is taken. */
  private store(record: ArchiveRecord): boolean {
    const row = this.insertMessage.get(
      record.id,
      record.time,
      record.topic,
      record.category,
      record.severity,
      record.schema,
      record.agent,
      JSON.stringify(record.headers),
      record.body,
      record.raw ? 1 : 0,
    ) as { seq: number } | undefined;
    if (!row) return false;
    for (const name of new Set(record.usernames)) this.insertFact.users.run(row.seq, name, record.time, record.category);
    for (const name of new Set(record.packages)) this.insertFact.packages.run(row.seq, name, record.time, record.category);
    for (const name of new Set(record.groups)) this.insertFact.groups.run(row.seq, name, record.time, record.category);
    if (record.agent !== null) this.insertFact.agents.run(row.seq, record.agent, record.time, record.category);
    return true;
  }
}
