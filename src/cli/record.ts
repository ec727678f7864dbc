/** `tidings record`: save the next N messages as JSON Lines (replayable with `tidings publish`). */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from '@commander-js/extra-typings';
import { formatMessageLine } from '../message/index.js';
import { ConfigError } from '../config/index.js';
import { HaltConsumer } from '../bus/index.js';
import { commandConfig, commandLogger, connectBus } from './context.js';
import { consumeSpecsFrom, declareConfiguredExchanges, runConsumers } from './consuming.js';
import { collect } from './options.js';


export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('write messages to FILE as JSON Lines (- for stdout), stopping after --limit')
    .argument('<file>', 'where to write; - is stdout')
    .option('--limit <n>', 'stop after this many messages')
    .option('--routing-key <pattern>', 'topic pattern to bind (repeatable; default #)', collect)
    .option('--queue-name <name>', 'durable queue to record from (default: a server-named queue)')
    .option('--exchange <name>', 'exchange to bind to (default: publish_exchange)')
    .action(async (file, flags, command) => {
      const config = commandConfig(command);
      const logger = commandLogger(config, 'tidings-record');
      const limit = flags.limit === undefined ? Infinity : Number(flags.limit);
      if (!(limit >= 1) || (limit !== Infinity && !Number.isInteger(limit))) {
        throw new ConfigError(`--limit must be a whole number ≥ 1, got ${JSON.stringify(flags.limit)}`, '--limit');
      }
      const out = file === '-' ? process.stdout : createWriteStream(file, { flags: 'a' });
      const bus = await connectBus(config, logger, 'tidings-record');
      let recorded = 0;
      try {
        await declareConfiguredExchanges(bus, config);
        process.exitCode = await runConsumers(
          bus,
          consumeSpecsFrom(flags, config, ['#']).map((spec) => ({ ...spec, concurrency: 1 })),
          async (message) => {
            if (!out.write(formatMessageLine(message) + '\n')) await once(out, 'drain');
            recorded++;
            if (recorded >= limit) throw new HaltConsumer({ exitCode: 0, reason: `recorded ${recorded} messages` });
          },
          logger,
        );
      } finally {
        await bus.close();
        if (out !== process.stdout) await new Promise<void>((resolve) => (out as NodeJS.WritableStream).end(() => resolve()));
      }
    });
}
