/** `tidings consume`: run a callback for every message of a queue, fedora-messaging style. */
import type { Command } from '@commander-js/extra-typings';
import { commandConfig, commandLogger, connectBus } from './context.js';
import { loadCallback, CallbackError } from './callback.js';
import { consumeSpecsFrom, declareConfiguredExchanges, runConsumers } from './consuming.js';
import { serveUrl } from './serve-client.js';
import { loadTrust } from '../trust-client.js';
import { declareLive, replayHistory, skippingHandled } from './since.js';
import { ConfigError } from '../config/index.js';
import { collect } from './options.js';

export function registerConsume(program: Command): void {
  program
    .command('consume')
    .description('run a callback (FILE:EXPORT) for each message; exits with the code its end deserves')
    .option('--routing-key <pattern>', 'topic pattern to bind (repeatable; * one word, # any)', collect)
    .option('--queue-name <name>', 'durable queue to consume (default: from config, else a server-named queue)')
    .option('--exchange <name>', 'exchange to bind to (default: publish_exchange)')
    .option('--callback <file:export>', 'the handler: a module file and its export (default export when omitted)')
    .option('--prefetch <n>', 'unacknowledged messages held at once (default: qos.prefetch_count)')
    .option('--concurrency <n>', 'handlers running at once (default 1)')
    .option('--verify', 'dead-letter messages whose signature is missing or forged, or whose identity may not publish their topic')
    .option('--since <time>', 'first replay the archive from this time (epoch seconds or ISO date), then go on live')
    .option('--serve-url <url>', 'tidings serve (its archive for --since, its trust policy for --verify) when --url is an AMQP broker')
    .action(async (flags, command) => {
      const config = commandConfig(command);
      const logger = commandLogger(config, 'tidings-consume');
      const spec = flags.callback ?? config.callback;
      if (!spec) throw new CallbackError('no callback: give --callback FILE:EXPORT or set "callback" in the config');
      const handler = await loadCallback(spec, { config: config.consumer_config, logger });
      const bus = await connectBus(config, logger, 'tidings-consume');
      try {
        await declareConfiguredExchanges(bus, config);
        const verify = flags.verify ? (await loadTrust(serveUrl(config, flags.serveUrl))).check : undefined;
        const specs = consumeSpecsFrom(flags, config, ['#']).map((spec) => (verify ? { ...spec, verify } : spec));
        if (flags.since === undefined) {
          process.exitCode = await runConsumers(bus, specs, handler, logger);
          return;
        }
        if (specs.length !== 1) throw new ConfigError('--since replays one queue: give --queue-name or --routing-key', '--since');
        const archive = serveUrl(config, flags.serveUrl);
        const live = await declareLive(bus, specs[0]!);
        const replay = await replayHistory(archive, specs[0]!, flags.since, live.declaredAt, handler, logger);
        if (replay.halt) {
          process.exitCode = replay.halt.exitCode;
          return;
        }
        process.exitCode = await runConsumers(bus, [live.spec], skippingHandled(handler, replay.handled), logger);
      } finally {
        await bus.close();
      }
    });
}
