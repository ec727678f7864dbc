/**
 * The one HTTP server of `tidings serve`: health, the hub WebSocket for other processes' bus
 * clients (admitted by HubAccess), the publish API, the live streams, the archive API, and people's
 * notification settings (API and pages).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import cookie from '@fastify/cookie';
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { registerHealthRoutes, type ReadinessCheck } from './health.js';
import { registerArchiveRoutes, type ArchiveRouteOptions } from './archive-routes.js';
import { registerPublishRoute, type PublishRouteOptions } from './publish-route.js';
import { registerStreamRoutes, type StreamRouteOptions } from './stream/index.js';
import { registerManageRoutes, type ManageRouteOptions } from './manage-routes.js';
import { registerMirrorRoutes, type MirrorRouteOptions } from './mirror-routes.js';
import { registerUnsubscribeRoutes, type UnsubscribeRouteOptions } from './unsubscribe-route.js';
import { registerFeedRoutes, type FeedRouteOptions } from './feed-route.js';
import { HubAccessError } from './hub-access.js';
import { registerSettingsRoutes, type SettingsRouteOptions } from './settings/index.js';
import { registerWeb, type WebOptions } from '../web/index.js';
import type { Identity } from '../store/index.js';

export interface GatewayOptions {
  readonly logger: Logger;
  readonly readiness: readonly ReadinessCheck[];
  /** The hub endpoint: where other processes' bus clients connect. */
  readonly hub?: {
    readonly path: string;
    readonly maxFrameBytes: number;
    /** Who may connect (before the upgrade); resolves with the client's identity, or null for none. */
    admit(authorization: string | undefined, ip: string): Promise<Identity | null>;
    accept(socket: WebSocket, remote: string, identity: Identity | null): void;
  };
  /** The archive's datagrepper-compatible query API. */
  readonly archive?: ArchiveRouteOptions;
  /** Publishing over HTTP with identities. */
  readonly publishing?: PublishRouteOptions;
  /** Live streams (SSE and WebSocket) fed by one bus subscription. */
  readonly stream?: StreamRouteOptions;
  /** People's web inboxes as Atom feeds. */
  readonly feed?: FeedRouteOptions;
  /** One-click unsubscribe links of notification emails. */
  readonly unsubscribe?: UnsubscribeRouteOptions;
  /** The mirror network's status. */
  readonly mirrors?: MirrorRouteOptions;
  /** The operators' view of the bus (/api/v1/manage) and Prometheus' /metrics. */
  readonly manage?: ManageRouteOptions;
  /** People's notification settings: the REST API and the web pages, behind a login. */
  readonly settings?: {
    readonly api: SettingsRouteOptions;
    readonly web: WebOptions;
    /** Signs the login's short-lived cookies. */
    readonly cookieSecret: string;
  };
  /** Origins browsers may call the API from; none (no CORS headers) by default. */
  readonly corsOrigins?: readonly string[];
  /** TLS for the HTTP port: PEM certificate chain and key. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

export interface Gateway {
  readonly app: FastifyInstance;
  /** Starts listening; resolves with the base URL. */
  listen(host: string, port: number): Promise<string>;
  close(): Promise<void>;
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const app = Fastify({
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
    loggerInstance: options.logger as FastifyBaseLogger,
    // Per-request lines would drown the log of a busy bus; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Graceful close: stop accepting, let in-flight requests finish.
    forceCloseConnections: 'idle',
  });
  await app.register(websocket, {
    options: { maxPayload: options.hub?.maxFrameBytes ?? 1024 * 1024, perMessageDeflate: false },
  });
  // Security headers on every answer (an API: no framing, no sniffing, no referrer, no scripts).
  await app.register(helmet, { global: true, contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } });
  if (options.corsOrigins?.length) await app.register(cors, { origin: [...options.corsOrigins], methods: ['GET', 'POST'] });
  // Client mistakes answer 4xx with {error}; only our own faults are 500s, logged, without details.
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: error.message });
    options.logger.error({ err: error }, 'request failed');
    return reply.code(status).send({ error: 'internal error (logged on the server)' });
  });
  registerHealthRoutes(app, options.readiness);
  if (options.archive) registerArchiveRoutes(app, options.archive);
  if (options.publishing) registerPublishRoute(app, options.publishing);
  if (options.stream) registerStreamRoutes(app, options.stream);
  if (options.mirrors) registerMirrorRoutes(app, options.mirrors);
  if (options.manage) registerManageRoutes(app, options.manage);
  if (options.unsubscribe) registerUnsubscribeRoutes(app, options.unsubscribe);
  if (options.feed) registerFeedRoutes(app, options.feed);
  if (options.settings) {
    await app.register(cookie, { secret: options.settings.cookieSecret });
    registerSettingsRoutes(app, options.settings.api);
    registerWeb(app, options.settings.web);
  }

  const hub = options.hub;
  if (hub) {
    const sockets = new Set<WebSocket>();
    const admitted = new WeakMap<FastifyRequest, Identity | null>();
    app.get(
      hub.path,
      {
        websocket: true,
        // Refused before the upgrade, so a client sees a plain 401 with the reason.
        preValidation: async (request, reply) => {
          try {
            admitted.set(request, await hub.admit(request.headers.authorization, request.ip));
          } catch (error) {
            if (!(error instanceof HubAccessError)) throw error;
            return reply.code(401).send({ error: error.message });
          }
        },
      },
      (socket, request) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        hub.accept(socket, `${request.ip}:${request.socket.remotePort ?? 0}`, admitted.get(request) ?? null);
      },
    );
    // Hub clients hold their sockets open: close them so the server can stop.
    app.addHook('preClose', async () => {
      for (const socket of sockets) socket.close(1001, 'tidings serve is stopping');
    });
  }

  return {
    app,
    async listen(host: string, port: number): Promise<string> {
      await app.listen({ host, port });
      const address = app.server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      return `${options.tls ? 'https' : 'http'}://${shownHost}:${actualPort}`;
    },
    close: () => app.close(),
  };
}
