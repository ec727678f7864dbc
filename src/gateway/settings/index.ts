export { registerSettingsRoutes } from './settings-routes.js';
export type { SettingsRouteOptions } from './settings-routes.js';
export { errorReply, SettingsInputError } from './error-reply.js';
export type { ErrorReply } from './error-reply.js';
