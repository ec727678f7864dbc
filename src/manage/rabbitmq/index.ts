/**
 * The RabbitMQ ManagementSource: the operators' view read from the management plugin's HTTP API,
 * and its actions on dead letters and queues done over AMQP so that no message is ever lost.
 */
export { RabbitManagementSource } from './source.js';
export type { RabbitManagementOptions } from './source.js';
export { managementEndpoint, vhostOfAmqpUrl, RABBITMQ_DEFAULT_CONSUMER_TIMEOUT_MS } from './settings.js';
export type { ManagementEndpoint } from './settings.js';
