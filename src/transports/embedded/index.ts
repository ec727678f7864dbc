export { EmbeddedBroker, SHARED_DEAD_LETTER_QUEUE, DEAD_LETTER_SUFFIX, DEFAULT_TRANSIENT_MAX_LENGTH } from './broker.js';
export type { EmbeddedBrokerOptions } from './broker.js';
export { EmbeddedConnection } from './connection.js';
export type { EmbeddedConnectionOptions } from './connection.js';
export { DataDirInUseError } from './store.js';
export type { Durability } from './store.js';
