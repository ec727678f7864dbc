/** The delivery channels: each turns a DeliveryJob into one send to its peer. */
export { EmailChannel } from './email.js';
export type { EmailChannelOptions } from './email.js';
export { emailMessage } from './email-message.js';
export { WebhookChannel, webhookBody, webhookSignature } from './webhook.js';
export type { WebhookChannelOptions } from './webhook.js';
export { IrcChannel } from './irc.js';
export type { IrcChannelOptions } from './irc.js';
export { MatrixChannel } from './matrix.js';
export type { MatrixChannelOptions } from './matrix.js';
export { MemoryMatrixRooms } from './matrix-rooms.js';
export type { MatrixDirectRooms } from './matrix-rooms.js';
