/**
 * `tidings serve`: everything in one process. The bus is the embedded broker (SQLite in the data
 * directory) by default, or RabbitMQ when the configuration's url / amqp_url is amqp(s)://. Either
 * way other processes reach it through the HTTP port (the hub WebSocket), and health is reported.
 */
import type { Command } from '@commander-js/extra-typings';
import { maskUrl, parseListen, type TidingsConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { Bus, type Transport } from '../bus/index.js';
import { SchemaRegistry } from '../message/index.js';
import { ArchiveStore, openDatabase, type StoreDatabase } from '../store/index.js';
import { ArchiveQueries, ArchiveWriter } from '../archive/index.js';
import { createGateway } from '../gateway/index.js';
import { EmbeddedBroker, EmbeddedConnection } from '../transports/embedded/index.js';
import { HUB_PATH, maxFrameBytes, serveHubSocket } from '../transports/hub/index.js';
import { openTransport } from '../connect.js';
import { busOptions, commandConfig, commandLogger, onShutdownSignal, writeLine } from './context.js';

export interface RunningServer {
  readonly url: string;
  /** What the bus runs on, for people: "embedded bus, data in …" or "RabbitMQ at …". */
  readonly busDescription: string;
  close(): Promise<void>;
}

/** Where the bus lives: how to give a hub client a connection, whether it is up, how to stop it. */
interface BusBackend {
  readonly description: string;
  connect(remote: string): Transport | Promise<Transport>;
  ready(): boolean;
  close(): Promise<void>;
}

function embeddedBackend(config: TidingsConfig, logger: Logger): BusBackend {
  const broker = new EmbeddedBroker({
    dataDir: config.serve.data_dir,
    durability: config.serve.durability,
    logger: logger.child({ part: 'broker' }),
  });
  let open = true;
  return {
    description: `embedded bus, data in ${config.serve.data_dir}`,
    connect: (remote) => new EmbeddedConnection(broker, { address: remote, name: remote }),
    ready: () => open,
    async close() {
      open = false;
      broker.close();
    },
  };
}

/** On RabbitMQ: serve's own connection tells readiness; each hub client gets a connection of its own. */
async function rabbitBackend(config: TidingsConfig, logger: Logger): Promise<BusBackend> {
  const own = await openTransport(config.url, busOptions(config, logger.child({ part: 'bus' }), 'tidings-serve'));
  let up = true;
  void own.closed.then(() => (up = false));
  return {
    description: `RabbitMQ at ${maskUrl(config.url)}`,
    connect: (remote) => openTransport(config.url, busOptions(config, logger.child({ part: 'hub', client: remote }), `tidings-hub ${remote}`)),
    ready: () => up && own.connected,
    async close() {
      up = false;
      await own.close();
    },
  };
}

/** The archive: its database, the consumer that fills it, the queries that read it. */
interface Archive {
  readonly database: StoreDatabase;
  readonly queries: ArchiveQueries;
  readonly writer: ArchiveWriter;
  readonly bus: Bus;
  readonly retention: NodeJS.Timeout | undefined;
}

const RETENTION_EVERY_MS = 3_600_000;

/** Forgets messages older than the configured age, now and every hour. */
function startRetention(store: ArchiveStore, days: number | null, logger: Logger): NodeJS.Timeout | undefined {
  if (days === null) return undefined;
  const prune = (): void => {
    const cutoff = Date.now() - days * 86_400_000;
    store.prune(cutoff).then(
      (removed) => removed > 0 && logger.info({ removed, before: new Date(cutoff).toISOString() }, 'archive retention removed old messages'),
      (error: unknown) => logger.error({ err: error }, 'archive retention failed; trying again in an hour'),
    );
  };
  prune();
  const timer = setInterval(prune, RETENTION_EVERY_MS);
  timer.unref();
  return timer;
}

async function startArchive(config: TidingsConfig, backend: BusBackend, registry: SchemaRegistry, logger: Logger): Promise<Archive> {
  const database = await openDatabase({ url: config.database_url, dataDir: config.serve.data_dir });
  try {
    const archiveLogger = logger.child({ part: 'archive' });
    const bus = new Bus(await backend.connect('tidings-archive'), { registry, logger: archiveLogger });
    const store = new ArchiveStore(database);
    const writer = new ArchiveWriter(store, { logger: archiveLogger });
    await writer.start(bus);
    const retention = startRetention(store, config.archive.retention_days, archiveLogger);
    return { database, queries: new ArchiveQueries(database), writer, bus, retention };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export async function startServer(config: TidingsConfig, logger: Logger): Promise<RunningServer> {
  const { host, port } = parseListen(config.serve.listen);
  const backend = /^amqps?:/i.test(config.url) ? await rabbitBackend(config, logger) : embeddedBackend(config, logger);
  const registry = new SchemaRegistry();
  let archive: Archive | undefined;
  try {
    if (config.archive.enabled) archive = await startArchive(config, backend, registry, logger);
  } catch (error) {
    await backend.close();
    throw error;
  }
  const gateway = await createGateway({
    logger,
    readiness: [
      { name: 'bus', check: () => backend.ready() },
      ...(archive ? [{ name: 'archive', check: () => archive.bus.transport.connected }] : []),
    ],
    ...(archive ? { archive: { queries: archive.queries, registry, defaultWindowMs: config.archive.default_window * 1000 } } : {}),
    hub: {
      path: HUB_PATH,
      maxFrameBytes: maxFrameBytes(config.max_message_bytes),
      accept: (socket, remote) =>
        serveHubSocket(socket, remote, {
          connect: (client) => backend.connect(client),
          logger: logger.child({ part: 'hub' }),
          maxBodyBytes: config.max_message_bytes,
        }),
    },
  });
  const stopArchive = async (): Promise<void> => {
    if (!archive) return;
    clearInterval(archive.retention);
    await archive.writer.stop();
    await archive.bus.close();
    await archive.database.close();
  };
  let url: string;
  try {
    url = await gateway.listen(host, port);
  } catch (error) {
    await stopArchive();
    await backend.close();
    throw error;
  }
  return {
    url,
    busDescription: backend.description,
    async close() {
      await gateway.close();
      await stopArchive();
      await backend.close();
    },
  };
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run Tidings: the bus (embedded, or RabbitMQ when configured) and its HTTP port')
    .option('--data <dir>', 'data directory of the embedded bus (default: $XDG_DATA_HOME/tidings)')
    .option('--listen <host:port>', 'address of the HTTP port (default 127.0.0.1:8780)')
    .action(async (options, command) => {
      const config = commandConfig(command, {
        serve: {
          ...(options.data ? { data_dir: options.data } : {}),
          ...(options.listen ? { listen: options.listen } : {}),
        },
      });
      const logger = commandLogger(config, 'tidings-serve');
      const server = await startServer(config, logger);
      logger.info({ url: server.url, bus: server.busDescription }, 'tidings serve is ready');
      writeLine(`Tidings is running at ${server.url} (${server.busDescription})`);
      writeLine(`  publish: ./bin/tidings publish --topic org.example.hello --body '{"hello":"world"}'`);
      writeLine(`  watch:   ./bin/tidings tail`);
      await new Promise<void>((resolve) =>
        onShutdownSignal((signal) => {
          logger.info({ signal }, 'stopping');
          void server.close().then(resolve, (error: unknown) => {
            logger.error({ err: error }, 'error while stopping');
            resolve();
          });
        }),
      );
    });
}
