/** Registers both stream endpoints on the gateway, with their shared housekeeping. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { SchemaRegistry } from '../../message/index.js';
import type { ArchiveQueries } from '../../archive/index.js';
import { DEFAULT_LIMITS, type StreamLimits } from './client.js';
import type { StreamConnection, StreamContext } from './context.js';
import { StreamClosingError } from './errors.js';
import type { StreamHub } from './hub.js';
import { registerSseRoute } from './sse.js';
import { registerWebSocketRoute } from './websocket.js';

/** Proxies commonly close a connection idle for 60 s; a comment or ping every 15 s keeps it open. */
const HEARTBEAT_MS = 15_000;

export interface StreamRouteOptions {
  readonly hub: StreamHub;
  /** The archive, for resuming after a message id; without it a resume is refused. */
  readonly archive?: { readonly queries: ArchiveQueries; readonly registry: SchemaRegistry };
  readonly logger: Logger;
  readonly limits?: Partial<StreamLimits>;
}

export function registerStreamRoutes(app: FastifyInstance, options: StreamRouteOptions): void {
  const connections = new Set<StreamConnection>();
  const logger = options.logger;
  const context: StreamContext = {
    hub: options.hub,
    resume: options.archive ? { ...options.archive, logger } : undefined,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    logger,
    connections,
  };
  registerSseRoute(app, context);
  registerWebSocketRoute(app, context);

  // One timer for every connection, not one each.
  const heartbeat = setInterval(() => {
    for (const connection of connections) connection.heartbeat();
  }, HEARTBEAT_MS);
  heartbeat.unref();
  // Streams never end by themselves: end them, saying why, so the server can stop.
  app.addHook('preClose', async () => {
    clearInterval(heartbeat);
    const stopping = new StreamClosingError('tidings serve is stopping: reconnect (and resume) once it is back');
    for (const connection of [...connections]) connection.close(stopping);
  });
}
