/** Delivery: what channels are handed (jobs), how they fail, and the links they carry. */
export type { Channel, CommitExcerpt, DeliveryJob, DeliveryLinks, Notification } from './types.js';
export { LinkBuilder, webhookSecret, feedToken, sameToken } from './links.js';
