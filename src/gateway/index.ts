export { createGateway } from './server.js';
export type { Gateway, GatewayOptions } from './server.js';
export type { ReadinessCheck } from './health.js';
export type { ArchiveRouteOptions } from './archive-routes.js';
