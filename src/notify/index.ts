/**
 * The notifier: the model (users, destinations, rules), its storage, rule validation, and ownership
 * and membership kept current from the bus. (Matching and delivery join here as they land.)
 */
export type * from './model.js';
export { DEFAULT_FILTERS } from './model.js';
export * from './errors.js';
export { NotifyStore, InboxStore, DEFAULT_RULE_NAME, CODE_LIFETIME_MS, MAX_CODE_ATTEMPTS } from './store/index.js';
export type { Change, ChangeKind, TrackingQuery, PendingNotification, OwnershipImport, InboxEntry, InboxPage } from './store/index.js';
export { validateRule, validateDestination, RULE_LIMITS, SEVERITIES } from './validate.js';
export type { RuleInput, ValidRule, RuleContext, DestinationInput, ValidDestination } from './validate.js';
export { OwnershipTracker, OWNERSHIP_QUEUE, OWNERSHIP_BINDINGS, ownershipChanges, applyOwnershipChange } from './ownership.js';
export type { OwnershipChange, OwnershipTrackerOptions } from './ownership.js';
export { importOwnership, parseOwnership } from './ownership-import.js';
export type { ImportCounts } from './ownership-import.js';
export * from './match/index.js';
export * from './delivery/index.js';
export { loadNotifySecret } from './store/secrets.js';
