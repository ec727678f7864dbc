/**
 * The notifier: the model (users, destinations, rules), its storage, rule validation, and ownership
 * and membership kept current from the bus, matching, dispatch, delivery and digests.
 */
export type * from './model.js';
export { DEFAULT_FILTERS } from './model.js';
export * from './errors.js';
export { NotifyStore, InboxStore, DEFAULT_RULE_NAME, CODE_LIFETIME_MS, MAX_CODE_ATTEMPTS } from './store/index.js';
export type { Change, ChangeKind, TrackingQuery, PendingNotification, OwnershipImport, InboxEntry, InboxPage } from './store/index.js';
export { validateRule, validateDestination, isAccountName, RULE_LIMITS, SEVERITIES } from './validate.js';
export type { RuleInput, ValidRule, RuleContext, DestinationInput, ValidDestination } from './validate.js';
export { OwnershipTracker, OWNERSHIP_QUEUE, OWNERSHIP_BINDINGS, ownershipChanges, applyOwnershipChange } from './ownership.js';
export type { OwnershipChange, OwnershipTrackerOptions } from './ownership.js';
export { importOwnership, parseOwnership } from './ownership-import.js';
export type { ImportCounts } from './ownership-import.js';
export * from './match/index.js';
export * from './delivery/index.js';
export { loadNotifySecret } from './store/secrets.js';
export { DeliveryStore, deliveryId, PAUSE_AFTER_FAILURES } from './store/delivery-store.js';
export type { OutboxRow, OutboxCounts } from './store/delivery-store.js';
export * from './engine/index.js';
export { renderNotification, commitExcerpt, PATCH_EXCERPT_BYTES } from './delivery/render.js';
export { isQuiet } from './delivery/quiet-hours.js';
export { retryDelay, MAX_DELIVERY_AGE_MS } from './delivery/backoff.js';
export * from './channels/index.js';
export { RulePreviewer, PREVIEW_WINDOW_MS, PREVIEW_MAX_SCANNED, PREVIEW_MAX_SHOWN } from './preview.js';
export type { RulePreview, PreviewItem, PreviewOptions, ArchiveScanner } from './preview.js';
export { NotifySettings } from './settings.js';
export type { NotifySettingsOptions, VerificationSender, Me, CodeDelivery } from './settings.js';
