export { createGateway } from './server.js';
export type { Gateway, GatewayOptions } from './server.js';
export type { ReadinessCheck } from './health.js';
export type { ArchiveRouteOptions } from './archive-routes.js';
export { Authenticator } from './authenticate.js';
export type { PublishRouteOptions } from './publish-route.js';
