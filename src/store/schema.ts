/**
 * The tables Tidings keeps in its database, as Kysely sees them. Both dialects have the same tables
 * and columns; how they are laid out (PostgreSQL partitions the messages by time) is the
 * migrations' business.
 */
import type { Generated, Selectable } from 'kysely';

export interface MessagesTable {
  /** Arrival order in this archive; the tie-breaker for equal times. */
  seq: Generated<number>;
  id: string;
  /** When the message was sent (its `sent-at`, or a fedmsg envelope's timestamp), epoch milliseconds. */
  time: number;
  topic: string;
  /** The application word of the topic (datagrepper's "category"). */
  category: string | null;
  severity: number;
  schema: string;
  agent: string | null;
  /** JSON of the headers. */
  headers: string;
  /** JSON of the body; for a message that could not be decoded, the raw text (see `raw`). */
  body: string;
  /** 1 when the message could not be understood and is kept as received. */
  raw: number;
}

/** One row per (message, name): who and what a message concerns, for indexed filtering. */
export interface MessageFactsTable {
  seq: number;
  name: string;
  time: number;
  /** The message's category, copied: "this user's builds" is read from the fact index alone. */
  category: string | null;
}

/** Messages per hour and topic: cheap totals and charts on a large archive. */
export interface MessageCountsTable {
  hour: number;
  topic: string;
  category: string | null;
  count: number;
}

/** PostgreSQL only: ids already archived (a partitioned table cannot keep them unique itself). */
export interface MessageIdsTable {
  id: string;
  time: number;
}

/** Who may publish through the gateway, and what: a token (kept only as a hash) and topic patterns. */
export interface IdentitiesTable {
  name: string;
  /** The public part of the token, to find the identity without trying every hash. */
  key_id: string;
  /** scrypt hash of the token's secret: `scrypt$N$r$p$salt$hash` (base64url parts). */
  token_hash: string;
  /** JSON array of topic patterns this identity may publish. */
  topics: string;
  /** Ed25519 public key (SPKI PEM) of an identity that signs its own messages. */
  public_key: string | null;
  rate_per_minute: number | null;
  created_at: number;
  revoked_at: number | null;
}

/** Keys the gateway signs with (the private half only where it signs). */
export interface SigningKeysTable {
  key_id: string;
  public_key: string;
  private_key: string | null;
  created_at: number;
}

export interface Database {
  identities: IdentitiesTable;
  signing_keys: SigningKeysTable;
  messages: MessagesTable;
  message_ids: MessageIdsTable;
  message_users: MessageFactsTable;
  message_packages: MessageFactsTable;
  message_groups: MessageFactsTable;
  /** The agent (who caused the message), when there is one. */
  message_agents: MessageFactsTable;
  message_counts: MessageCountsTable;
}

export type MessageRow = Selectable<MessagesTable>;
export type FactTable = 'message_users' | 'message_packages' | 'message_groups' | 'message_agents';
