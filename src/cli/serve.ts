/**
 * `tidings serve`: everything in one process. Today: the embedded broker (SQLite in the data
 * directory), reachable by other processes through the hub WebSocket, and health endpoints.
 */
import type { Command } from '@commander-js/extra-typings';
import { parseListen, type TidingsConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { createGateway } from '../gateway/index.js';
import { EmbeddedBroker } from '../transports/embedded/index.js';
import { HUB_PATH, maxFrameBytes, serveHubSocket } from '../transports/hub/index.js';
import { commandConfig, commandLogger, onShutdownSignal, writeLine } from './context.js';

export interface RunningServer {
  readonly url: string;
  readonly broker: EmbeddedBroker;
  close(): Promise<void>;
}

export async function startServer(config: TidingsConfig, logger: Logger): Promise<RunningServer> {
  const { host, port } = parseListen(config.serve.listen);
  const broker = new EmbeddedBroker({
    dataDir: config.serve.data_dir,
    durability: config.serve.durability,
    logger: logger.child({ part: 'broker' }),
  });
  let brokerOpen = true;
  const gateway = await createGateway({
    logger,
    readiness: [{ name: 'bus', check: () => brokerOpen }],
    hub: {
      path: HUB_PATH,
      maxFrameBytes: maxFrameBytes(config.max_message_bytes),
      accept: (socket, remote) =>
        serveHubSocket(socket, remote, { broker, logger: logger.child({ part: 'hub' }), maxBodyBytes: config.max_message_bytes }),
    },
  });
  let url: string;
  try {
    url = await gateway.listen(host, port);
  } catch (error) {
    broker.close();
    throw error;
  }
  return {
    url,
    broker,
    async close() {
      brokerOpen = false;
      await gateway.close();
      broker.close();
    },
  };
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run Tidings: the embedded bus and its HTTP port (health, hub for other processes)')
    .option('--data <dir>', 'data directory (default: $XDG_DATA_HOME/tidings)')
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
      logger.info({ url: server.url, data: config.serve.data_dir }, 'tidings serve is ready');
      writeLine(`Tidings is running at ${server.url} (embedded bus, data in ${config.serve.data_dir})`);
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
