export { HubTransport, HubRemoteError } from './client.js';
export type { HubConnectOptions } from './client.js';
export { serveHubSocket } from './server.js';
export type { HubServerOptions } from './server.js';
export { HUB_PATH, HUB_PROTOCOL_VERSION, maxFrameBytes } from './protocol.js';
