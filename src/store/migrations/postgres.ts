/**
 * The PostgreSQL schema. Messages are partitioned by time (a partition per month, created as
 * messages for that month arrive), so a query over a window touches only its months and retention
 * drops whole partitions. Uniqueness of ids, which a partitioned table cannot enforce across
 * partitions, is kept by `message_ids`.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const postgresMigrations: Record<string, Migration> = {
  '0001_archive': {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`CREATE TABLE message_ids (id TEXT PRIMARY KEY, time BIGINT NOT NULL)`.execute(db);
      await sql`CREATE TABLE messages (
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        id TEXT NOT NULL,
        time BIGINT NOT NULL,
        topic TEXT NOT NULL,
        category TEXT,
        severity SMALLINT NOT NULL,
        schema TEXT NOT NULL,
        agent TEXT,
        headers TEXT NOT NULL,
        body TEXT NOT NULL,
        raw SMALLINT NOT NULL DEFAULT 0,
        PRIMARY KEY (time, seq)
      ) PARTITION BY RANGE (time)`.execute(db);
      await sql`CREATE INDEX messages_id ON messages (id)`.execute(db);
      await sql`CREATE INDEX messages_topic ON messages (topic, time, seq)`.execute(db);
      await sql`CREATE INDEX messages_category ON messages (category, time, seq)`.execute(db);
      await sql`CREATE INDEX messages_agent ON messages (agent, time, seq) WHERE agent IS NOT NULL`.execute(db);
      for (const table of ['message_users', 'message_packages', 'message_groups']) {
        await sql`CREATE TABLE ${sql.table(table)} (seq BIGINT NOT NULL, name TEXT NOT NULL, time BIGINT NOT NULL, PRIMARY KEY (name, time, seq))`.execute(db);
        await sql`CREATE INDEX ${sql.id(`${table}_seq`)} ON ${sql.table(table)} (seq)`.execute(db);
      }
      await sql`CREATE TABLE message_counts (
        hour BIGINT NOT NULL,
        topic TEXT NOT NULL,
        category TEXT,
        count BIGINT NOT NULL,
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
        created_at BIGINT NOT NULL,
        revoked_at BIGINT
      )`.execute(db);
      await sql`CREATE TABLE signing_keys (
        key_id TEXT PRIMARY KEY,
        public_key TEXT NOT NULL,
        private_key TEXT,
        created_at BIGINT NOT NULL
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
