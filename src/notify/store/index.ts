/** The notifier's storage: users, destinations, rules, ownership, membership, pending digests, the change feed. */
export { NotifyStore, DEFAULT_RULE_NAME } from './notify-store.js';
export type { Change, ChangeKind, TrackingQuery, PendingNotification, NotifyDb } from './notify-store.js';
export type { OwnershipImport } from './ownership-tables.js';
export type { NotifyTables } from './tables.js';
export { CODE_LIFETIME_MS, MAX_CODE_ATTEMPTS } from './verification-code.js';
export { InboxStore } from './inbox-store.js';
export type { InboxEntry, InboxPage } from './inbox-store.js';
