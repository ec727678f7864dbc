/**
 * `tidings serve`'s process: the bus (embedded or RabbitMQ), the database, the archive, publishing
 * over HTTP, the hub for other processes, and health — wired together, started in order, stopped in
 * reverse.
 */
import { readFileSync } from 'node:fs';
import { parseListen, type TidingsConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import { createSchemaRegistry } from '../../schemas/index.js';
import { startNotifyService } from './notify-service.js';
import { openDatabase } from '../../store/index.js';
import { createGateway, HubAccessError } from '../../gateway/index.js';
import { HUB_PATH, maxFrameBytes, serveHubSocket } from '../../transports/hub/index.js';
import { ConfigError } from '../../config/index.js';
import { openBackend } from './backend.js';
import { startArchiveService, type ArchiveService } from './archive-service.js';
import { startPublishingService } from './publishing-service.js';
import { startStreamService } from './stream-service.js';
import { startMirrorStatusService } from './mirror-status-service.js';
import { startSettingsService } from './settings-service.js';
import { startManageService, type RunningManageService } from './manage-service.js';

export interface RunningServer {
  readonly url: string;
  /** What the bus runs on, for people: "embedded bus, data in …" or "RabbitMQ at …". */
  readonly busDescription: string;
  /** How people log in to the settings pages, for the startup line. */
  readonly loginDescription: string;
  close(): Promise<void>;
}

function readTls(config: TidingsConfig): { cert: Buffer; key: Buffer } | undefined {
  const { tls_cert: cert, tls_key: key } = config.serve;
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new ConfigError('serve.tls_cert and serve.tls_key go together: give both, or neither', cert ? 'serve.tls_key' : 'serve.tls_cert');
  try {
    return { cert: readFileSync(cert), key: readFileSync(key) };
  } catch (error) {
    throw new ConfigError(`cannot read the TLS files: ${(error as Error).message}`, 'serve.tls_cert', { cause: error });
  }
}

export async function startServer(config: TidingsConfig, logger: Logger): Promise<RunningServer> {
  const { host, port } = parseListen(config.serve.listen);
  const tls = readTls(config);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
    }
  };
  try {
    const backend = await openBackend(config, logger);
    stops.push(() => backend.close());
    const database = await openDatabase({ url: config.database_url, dataDir: config.serve.data_dir });
    stops.push(() => database.close());
    const registry = createSchemaRegistry();
    let archive: ArchiveService | undefined;
    if (config.archive.enabled) {
      archive = await startArchiveService(config, database, backend, registry, logger);
      stops.push(() => archive!.stop());
    }
    const publishing = await startPublishingService(config, database, backend, registry, logger);
    stops.push(() => publishing.stop());
    let servedUrl = '';
    const notify = await startNotifyService(database, backend, registry, logger, { config: config.notify, servedUrl: () => servedUrl });
    stops.push(() => notify.stop());
    const settings = startSettingsService(config, database, notify, archive?.queries, registry, logger, { host, tls: tls !== undefined });
    stops.push(() => settings.stop());
    const stream = await startStreamService(config, backend, registry, archive?.queries, logger);
    stops.push(() => stream.stop());
    const mirrors = await startMirrorStatusService(backend, registry, archive?.queries, logger);
    stops.push(() => mirrors.stop());
    let manage: RunningManageService | undefined;
    if (config.manage.enabled) {
      manage = await startManageService(config, database, backend, registry, logger);
      stops.push(() => manage!.stop());
    }
    const gateway = await createGateway({
      logger,
      ...(tls ? { tls } : {}),
      corsOrigins: config.gateway.cors_origins,
      readiness: [
        { name: 'bus', check: () => backend.ready() },
        ...(archive ? [{ name: 'archive', check: () => archive!.ready() }] : []),
      ],
      ...(archive ? { archive: { queries: archive.queries, registry, defaultWindowMs: config.archive.default_window * 1000 } } : {}),
      publishing: publishing.routeOptions,
      stream: stream.routeOptions,
      mirrors: { board: mirrors.board },
      ...(manage ? { manage: { service: manage.service, authenticator: publishing.routeOptions.authenticator, registry } } : {}),
      unsubscribe: { store: notify.store, links: notify.links },
      feed: { inbox: notify.inbox, links: notify.links, secret: notify.secret },
      settings: settings.routeOptions,
      hub: {
        path: HUB_PATH,
        maxFrameBytes: maxFrameBytes(config.max_message_bytes),
        admit: async (authorization, ip) => {
          try {
            return await publishing.hubAccess.admit(authorization, ip);
          } catch (error) {
            if (error instanceof HubAccessError) manage?.service.connectionRefused(ip, error.message);
            throw error;
          }
        },
        accept: (socket, remote, identity) =>
          serveHubSocket(socket, remote, {
            connect: (client) => backend.connect(`tidings-hub ${client}${identity ? ` as ${identity.name}` : ''}`),
            logger: logger.child({ part: 'hub', ...(identity ? { identity: identity.name } : {}) }),
            maxBodyBytes: config.max_message_bytes,
            publishPolicy: publishing.hubAccess.policyFor(identity),
          }),
      },
    });
    stops.push(() => gateway.close());
    const url = await gateway.listen(host, port);
    servedUrl = url;
    return { url, busDescription: backend.description, loginDescription: settings.loginDescription, close: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
