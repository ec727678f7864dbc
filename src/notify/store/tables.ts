/**
 * The notifier's tables as Kysely sees them (migration 0004_notify, both dialects). They are added to
 * the view of the store's database that NotifyStore uses, so the store part does not need to know them.
 */
import type { Generated } from 'kysely';

export interface NotifyUsersTable {
  name: string;
  email: string | null;
  is_admin: number;
  created_at: number;
}

export interface NotifyDestinationsTable {
  id: string;
  owner: string;
  kind: string;
  address: string;
  label: string;
  verified_at: number | null;
  disabled: number;
  /** JSON of the DeliveryMode. */
  delivery: string;
  /** JSON of the QuietHours, or null. */
  quiet_hours: string | null;
  max_per_hour: number | null;
  /** SHA-256 of the pending confirmation code (hex), never the code itself. */
  code_hash: string | null;
  code_expires_at: number | null;
  code_attempts: number;
  created_at: number;
  /** When the last digest went out (null: never). */
  last_digest_at: number | null;
  /** Permanent delivery failures in a row; reset by a success. */
  failures: Generated<number>;
  /** Why delivery stopped trying this destination (bouncing, refused); null while it delivers. */
  paused_reason: string | null;
}

export interface NotifyRulesTable {
  id: string;
  owner: string;
  name: string;
  enabled: number;
  /** JSON of the Tracking. */
  tracking: string;
  /** JSON of the Filters. */
  filters: string;
  disabled_by_admin: string | null;
  created_at: number;
  updated_at: number;
}

/** One row per thing a rule tracks: `package`, `user`, `group`, `app`, `topic`, `my_events`, `my_packages` (value ''). */
export interface NotifyRuleTrackingTable {
  rule_id: string;
  kind: string;
  value: string;
}

export interface NotifyRuleDestinationsTable {
  rule_id: string;
  destination_id: string;
  /** The order the owner gave. */
  position: number;
}

export interface NotifyPackageOwnersTable {
  package: string;
  username: string;
  role: 'owner' | 'comaintainer';
}

export interface NotifyGroupMembersTable {
  group_name: string;
  username: string;
}

export interface NotifyPendingTable {
  destination_id: string;
  message_id: string;
  /** JSON array of MatchReason. */
  reasons: string;
  created_at: number;
  /** JSON of the rendered Notification the digest will carry. */
  notification: string | null;
}

export interface NotifyOutboxTable {
  /** Deterministic: the same (destination, message) or digest always gets the same id. */
  id: string;
  destination_id: string;
  /** The destination's kind: which channel sends it. */
  channel: string;
  kind: 'notification' | 'digest' | 'verification';
  /** JSON: the Notification, the digest's notifications and span, or the verification code. */
  payload: string;
  state: 'queued' | 'sent' | 'dead';
  attempts: number;
  due_at: number;
  /** A worker is sending it until then; after that, another may. */
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface NotifyInboxTable {
  owner: string;
  message_id: string;
  /** JSON of the Notification. */
  notification: string;
  created_at: number;
  read_at: number | null;
}

export interface NotifySecretsTable {
  name: string;
  /** base64url. */
  value: string;
}

export interface NotifyMatrixRoomsTable {
  /** A Matrix user id the bot talks to in a direct room. */
  user_id: string;
  room_id: string;
  created_at: number;
}

export interface NotifyChangesTable {
  seq: Generated<number>;
  /** `rule`, `destination`, `package` (its ownership), `group` (its members), `user`. */
  kind: string;
  /** The rule or destination id, the package, group or user name; `*` for all of that kind. */
  key: string;
  time: number;
}

export interface NotifyTables {
  notify_users: NotifyUsersTable;
  notify_destinations: NotifyDestinationsTable;
  notify_rules: NotifyRulesTable;
  notify_rule_tracking: NotifyRuleTrackingTable;
  notify_rule_destinations: NotifyRuleDestinationsTable;
  notify_package_owners: NotifyPackageOwnersTable;
  notify_group_members: NotifyGroupMembersTable;
  notify_pending: NotifyPendingTable;
  notify_changes: NotifyChangesTable;
  notify_outbox: NotifyOutboxTable;
  notify_inbox: NotifyInboxTable;
  notify_secrets: NotifySecretsTable;
  notify_matrix_rooms: NotifyMatrixRoomsTable;
}
