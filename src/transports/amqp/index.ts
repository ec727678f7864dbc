export { AmqpTransport } from './transport.js';
export type { AmqpConnectOptions, AmqpTlsOptions } from './transport.js';
export { DEAD_LETTER_EXCHANGE, SHARED_DEAD_LETTER_QUEUE, DEAD_LETTER_SUFFIX } from './topology.js';
export { encodeHeaders, decodeHeaders, publishProperties, toRawMessage } from './wire.js';
