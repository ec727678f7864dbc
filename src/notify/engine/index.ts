/** The notification server's moving parts: matching from the bus, dispatch, delivery, digests. */
export { Notifier, NOTIFY_QUEUE } from './notifier.js';
export type { NotifierOptions } from './notifier.js';
export type { DeliveryOutcome } from './delivery-worker.js';
export type { DispatchResult, DispatchOutcome } from './dispatcher.js';
export { digestDue, MAX_DIGEST_NOTIFICATIONS } from './digest-scheduler.js';
