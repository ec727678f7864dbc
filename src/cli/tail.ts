/** `tidings tail`: watch the bus live, one line (or one JSON Lines message) per message. */
import type { Command } from '@commander-js/extra-typings';
import { formatMessageLine, assertValidPattern } from '../message/index.js';
import type { ReceivedMessage } from '../bus/index.js';
import { commandConfig, commandLogger, connectBus, writeLine } from './context.js';
import { runConsumers } from './consuming.js';
import { collect } from './options.js';
import { formatReadableLine } from './format.js';


export function tailFilter(users: string[], packages: string[]): (message: ReceivedMessage) => boolean {
  return (message) =>
    (users.length === 0 || users.some((user) => message.facts.usernames.includes(user))) &&
    (packages.length === 0 || packages.some((name) => message.facts.packages.includes(name)));
}

export function registerTail(program: Command): void {
  program
    .command('tail')
    .description('print messages as they pass: time, topic, summary (or JSON Lines with --json)')
    .argument('[patterns...]', 'topic patterns (default #: everything)')
    .option('--user <name>', 'only messages concerning this user (repeatable)', collect)
    .option('--package <name>', 'only messages concerning this package (repeatable)', collect)
    .option('--exchange <name>', 'exchange to watch (default: publish_exchange)')
    .option('--json', 'one JSON Lines message per line')
    .action(async (patterns, flags, command) => {
      const config = commandConfig(command);
      const logger = commandLogger(config, 'tidings-tail');
      const keys = patterns.length ? patterns : ['#'];
      for (const key of keys) assertValidPattern(key);
      const wanted = tailFilter(flags.user ?? [], flags.package ?? []);
      const bus = await connectBus(config, logger, 'tidings-tail');
      try {
        process.exitCode = await runConsumers(
          bus,
          [{ queue: '', bindings: [{ exchange: flags.exchange ?? config.publish_exchange, routingKeys: keys }], prefetch: 200 }],
          (message) => {
            if (!wanted(message)) return;
            writeLine(flags.json ? formatMessageLine(message) : formatReadableLine(message));
          },
          logger,
        );
      } finally {
        await bus.close();
      }
    });
}
