export { Bus, DEFAULT_PREFETCH, DEFAULT_PUBLISH_TIMEOUT_MS } from './bus.js';
export type { BusOptions, Binding, ConsumeSpec } from './bus.js';
export { Consumer } from './consumer.js';
export type { ReceivedMessage, MessageHandler, ConsumerEnd, ConsumerEndReason } from './consumer.js';
export { Nack, Drop, HaltConsumer } from './outcomes.js';
export { applyTopicPrefix, toRawMessage } from './publisher.js';
export type { PublishCallOptions } from './publisher.js';
export * from './errors.js';
export { DEFAULT_EXCHANGE } from './transport.js';
export type {
  Transport,
  RawMessage,
  PublishOptions,
  QueueOptions,
  ExchangeOptions,
  DeclaredQueue,
  ConsumeOptions,
  Delivery,
  Subscription,
  OverflowPolicy,
} from './transport.js';
export { TrustPolicy } from './trust.js';
export type { TrustDocument, MessageVerifier } from './trust.js';
