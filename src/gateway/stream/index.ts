/**
 * Live streams: Server-Sent Events at /api/v1/stream and a WebSocket at /api/v1/ws, fed by one bus
 * subscription (the hub) through a filter index, resumable from the archive, with slow clients
 * dropped rather than buffered without bound.
 */
export { StreamHub } from './hub.js';
export type { StreamHubOptions } from './hub.js';
export { registerStreamRoutes } from './routes.js';
export type { StreamRouteOptions } from './routes.js';
export { DEFAULT_LIMITS } from './client.js';
export type { StreamLimits } from './client.js';
export { SSE_PATH } from './sse.js';
export { WS_PATH } from './websocket.js';
export { CLOSE_TOO_SLOW, CLOSE_ABUSIVE, CLOSE_STOPPING, MAX_SUBSCRIPTIONS, MAX_CLIENT_FRAME_BYTES, MAX_BAD_FRAMES } from './protocol.js';
export type { ServerFrame } from './protocol.js';
export { filterFromQuery, filterFromFrame, matchesFilter, FILTER_KINDS } from './filter.js';
export type { StreamFilter, FilterKind } from './filter.js';
export { FilterIndex } from './filter-index.js';
export { MAX_REPLAY } from './resume.js';
export { StreamFilterError, StreamFrameError, SubscriptionError, ResumeError, SlowClientError, StreamClosingError } from './errors.js';
