/** The SQLite schema: one file in the data directory, indexes for every filter datagrepper offers. */
import { sql, type Kysely, type Migration } from 'kysely';

export const sqliteMigrations: Record<string, Migration> = {
  '0001_archive': {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`CREATE TABLE messages (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        time INTEGER NOT NULL,
        topic TEXT NOT NULL,
        category TEXT,
        severity INTEGER NOT NULL,
        schema TEXT NOT NULL,
        agent TEXT,
        headers TEXT NOT NULL,
        body TEXT NOT NULL,
        raw INTEGER NOT NULL DEFAULT 0
      )`.execute(db);
      await sql`CREATE INDEX messages_time ON messages (time, seq)`.execute(db);
      await sql`CREATE INDEX messages_topic ON messages (topic, time, seq)`.execute(db);
      await sql`CREATE INDEX messages_category ON messages (category, time, seq)`.execute(db);
      await sql`CREATE INDEX messages_agent ON messages (agent, time, seq) WHERE agent IS NOT NULL`.execute(db);
      for (const table of ['message_users', 'message_packages', 'message_groups']) {
        await sql`CREATE TABLE ${sql.table(table)} (seq INTEGER NOT NULL, name TEXT NOT NULL, time INTEGER NOT NULL, PRIMARY KEY (name, time, seq)) WITHOUT ROWID`.execute(db);
        await sql`CREATE INDEX ${sql.id(`${table}_seq`)} ON ${sql.table(table)} (seq)`.execute(db);
      }
      await sql`CREATE TABLE message_counts (
        hour INTEGER NOT NULL,
        topic TEXT NOT NULL,
        category TEXT,
        count INTEGER NOT NULL,
        PRIMARY KEY (hour, topic)
      )`.execute(db);
    },
  },
  '0002_identities': {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`CREATE TABLE identities (
        name TEXT PRIMARY KEY,
        key_id TEXT NOT NULL UNIQUE,
        token_hash TEXT NOT NULL,
        topics TEXT NOT NULL,
        public_key TEXT,
        rate_per_minute INTEGER,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      )`.execute(db);
      await sql`CREATE TABLE signing_keys (
        key_id TEXT PRIMARY KEY,
        public_key TEXT NOT NULL,
        private_key TEXT,
        created_at INTEGER NOT NULL
      )`.execute(db);
    },
  },
  '0003_count_indexes': {
    // Totals by topic or category over a long window read only that topic's or category's hours. The
    // count stays out of the key: an index entry is written when an hour starts, not at every message.
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`CREATE INDEX message_counts_topic ON message_counts (topic, hour)`.execute(db);
      await sql`CREATE INDEX message_counts_category ON message_counts (category, hour)`.execute(db);
    },
  },
};
