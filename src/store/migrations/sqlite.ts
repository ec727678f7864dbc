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
  '0004_notify': {
    // The notifier's model. A rule keeps its tracking and filters as JSON (read whole by the matcher)
    // and, for "which rules track package P / user U / group G / app A", one indexed row per tracked
    // thing in notify_rule_tracking. notify_changes is the feed the matcher polls to stay current.
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`CREATE TABLE notify_users (
        name TEXT PRIMARY KEY,
        email TEXT,
        is_admin SMALLINT NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      )`.execute(db);
      await sql`CREATE TABLE notify_destinations (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL REFERENCES notify_users (name) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        address TEXT NOT NULL,
        label TEXT NOT NULL,
        verified_at INTEGER,
        disabled SMALLINT NOT NULL DEFAULT 0,
        delivery TEXT NOT NULL,
        quiet_hours TEXT,
        max_per_hour INTEGER,
        code_hash TEXT,
        code_expires_at INTEGER,
        code_attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      )`.execute(db);
      await sql`CREATE INDEX notify_destinations_owner ON notify_destinations (owner)`.execute(db);
      await sql`CREATE TABLE notify_rules (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL REFERENCES notify_users (name) ON DELETE CASCADE,
        name TEXT NOT NULL,
        enabled SMALLINT NOT NULL,
        tracking TEXT NOT NULL,
        filters TEXT NOT NULL,
        disabled_by_admin TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      )`.execute(db);
      await sql`CREATE INDEX notify_rules_owner ON notify_rules (owner, created_at)`.execute(db);
      await sql`CREATE TABLE notify_rule_tracking (
        rule_id TEXT NOT NULL REFERENCES notify_rules (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (kind, value, rule_id)
      )`.execute(db);
      await sql`CREATE INDEX notify_rule_tracking_rule ON notify_rule_tracking (rule_id)`.execute(db);
      await sql`CREATE TABLE notify_rule_destinations (
        rule_id TEXT NOT NULL REFERENCES notify_rules (id) ON DELETE CASCADE,
        destination_id TEXT NOT NULL REFERENCES notify_destinations (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        PRIMARY KEY (rule_id, destination_id)
      )`.execute(db);
      await sql`CREATE INDEX notify_rule_destinations_destination ON notify_rule_destinations (destination_id)`.execute(db);
      await sql`CREATE TABLE notify_package_owners (
        package TEXT NOT NULL,
        username TEXT NOT NULL,
        role TEXT NOT NULL,
        PRIMARY KEY (package, username)
      )`.execute(db);
      await sql`CREATE INDEX notify_package_owners_user ON notify_package_owners (username)`.execute(db);
      await sql`CREATE TABLE notify_group_members (
        group_name TEXT NOT NULL,
        username TEXT NOT NULL,
        PRIMARY KEY (group_name, username)
      )`.execute(db);
      await sql`CREATE INDEX notify_group_members_user ON notify_group_members (username)`.execute(db);
      await sql`CREATE TABLE notify_pending (
        destination_id TEXT NOT NULL REFERENCES notify_destinations (id) ON DELETE CASCADE,
        message_id TEXT NOT NULL,
        reasons TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (destination_id, message_id)
      )`.execute(db);
      await sql`CREATE INDEX notify_pending_age ON notify_pending (destination_id, created_at)`.execute(db);
      await sql`CREATE TABLE notify_changes (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        time INTEGER NOT NULL
      )`.execute(db);
    },
  },
  '0005_fact_category': {
    // A user's or package's messages of one category (user=…&category=…, a common datagrepper query)
    // are read from the fact table's own rows, without looking up each message.
    async up(db: Kysely<unknown>): Promise<void> {
      for (const table of ['message_users', 'message_packages', 'message_groups']) {
        await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN category TEXT`.execute(db);
        await sql`UPDATE ${sql.table(table)} SET category = (SELECT m.category FROM messages AS m WHERE m.seq = ${sql.table(table)}.seq)`.execute(db);
      }
      // Totals by category read the count from the index too.
      await sql`DROP INDEX message_counts_category`.execute(db);
      await sql`CREATE INDEX message_counts_category ON message_counts (category, hour, count)`.execute(db);
    },
  },
  '0006_agent_facts': {
    // The agent is looked up like users and packages, in a fact table of its own, instead of an
    // index on messages: an index entry there costs more to keep than a fact row (about a fifth of
    // SQLite's ingest rate at a million messages).
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`CREATE TABLE message_agents (seq INTEGER NOT NULL, name TEXT NOT NULL, time INTEGER NOT NULL, category TEXT, PRIMARY KEY (name, time, seq)) WITHOUT ROWID`.execute(db);
      await sql`CREATE INDEX message_agents_seq ON message_agents (seq)`.execute(db);
      await sql`INSERT INTO message_agents (seq, name, time, category) SELECT seq, agent, time, category FROM messages WHERE agent IS NOT NULL`.execute(db);
      await sql`DROP INDEX messages_agent`.execute(db);
    },
  },
  '0007_notify_delivery': {
    // Delivery. notify_outbox is each channel's durable queue of sends: a row per (destination,
    // message) or per digest, with a deterministic id so that a redelivered bus message queues it
    // once, a due time for retries with backoff, a lease so that one worker sends it, and the reason
    // when it is given up (state 'dead'). A database row rather than a broker queue because retries
    // wait minutes to hours, which AMQP 0-9-1 cannot delay without plugins. notify_pending keeps the
    // rendered notification a digest will carry; notify_inbox is the web inbox.
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`CREATE TABLE notify_outbox (
        id TEXT PRIMARY KEY,
        destination_id TEXT NOT NULL REFERENCES notify_destinations (id) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        due_at INTEGER NOT NULL,
        lease_until INTEGER,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        sent_at INTEGER
      )`.execute(db);
      await sql`CREATE INDEX notify_outbox_due ON notify_outbox (channel, state, due_at)`.execute(db);
      await sql`CREATE INDEX notify_outbox_destination ON notify_outbox (destination_id, created_at)`.execute(db);
      await sql`ALTER TABLE notify_pending ADD COLUMN notification TEXT`.execute(db);
      await sql`ALTER TABLE notify_destinations ADD COLUMN last_digest_at INTEGER`.execute(db);
      await sql`ALTER TABLE notify_destinations ADD COLUMN failures INTEGER NOT NULL DEFAULT 0`.execute(db);
      await sql`ALTER TABLE notify_destinations ADD COLUMN paused_reason TEXT`.execute(db);
      await sql`CREATE TABLE notify_inbox (
        owner TEXT NOT NULL REFERENCES notify_users (name) ON DELETE CASCADE,
        message_id TEXT NOT NULL,
        notification TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        read_at INTEGER,
        PRIMARY KEY (owner, message_id)
      )`.execute(db);
      await sql`CREATE INDEX notify_inbox_recent ON notify_inbox (owner, created_at)`.execute(db);
      // Server secrets of the notifier (the key of unsubscribe links), made at first start.
      await sql`CREATE TABLE notify_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)`.execute(db);
      await sql`CREATE TABLE notify_matrix_rooms (
        user_id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        created_at INTEGER NOT NULL
      )`.execute(db);
    },
  },
  '0008_web_sessions': {
    // Logins to the settings pages and their API. The cookie holds a random token; only its SHA-256
    // is stored, so a leaked database does not hand out sessions. `csrf` is the token forms and API
    // calls that change something must echo.
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`CREATE TABLE web_sessions (
        token_hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL,
        csrf TEXT NOT NULL,
        via TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      )`.execute(db);
      await sql`CREATE INDEX web_sessions_user ON web_sessions (user_name)`.execute(db);
      await sql`CREATE INDEX web_sessions_expiry ON web_sessions (expires_at)`.execute(db);
    },
  },
  '0009_manage_audit': {
    // The operators' audit trail: every management action asked for (done or refused), who asked,
    // with which role, on what, and the outcome. Kept apart from the bus so a purge cannot erase it.
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`CREATE TABLE manage_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        role TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL,
        outcome TEXT NOT NULL,
        affected INTEGER NOT NULL
      )`.execute(db);
      await sql`CREATE INDEX manage_audit_at ON manage_audit (at)`.execute(db);
    },
  },
};
