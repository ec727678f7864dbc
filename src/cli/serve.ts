/**
 * `tidings serve`: everything in one process (see server/server.ts). The bus is the embedded broker
 * (SQLite in the data directory) by default, or RabbitMQ when the configuration's url / amqp_url is
 * amqp(s)://; other processes reach it through the HTTP port.
 */
import type { Command } from '@commander-js/extra-typings';
import { commandConfig, commandLogger, onShutdownSignal, writeLine } from './context.js';
import { startServer } from './server/index.js';

export { startServer } from './server/index.js';
export type { RunningServer } from './server/index.js';

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
      writeLine(`  settings: ${server.url}/settings (${server.loginDescription})`);
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
