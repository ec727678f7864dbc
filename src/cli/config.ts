/** `tidings config`: print a commented example, or check a configuration and show what it resolves to. */
import type { Command } from '@commander-js/extra-typings';
import { EXAMPLE_CONFIG, maskUrl } from '../config/index.js';
import { commandConfig, writeLine } from './context.js';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('configuration: a commented example, or a check of yours');
  config
    .command('example')
    .description('print a commented configuration file with every key and its default')
    .action(() => {
      process.stdout.write(EXAMPLE_CONFIG);
    });
  config
    .command('check')
    .description('load the configuration (--config, TIDINGS_*), report the first problem, or print the result as JSON')
    .action((_options, command) => {
      const resolved = commandConfig(command);
      const shown = { ...resolved, url: maskUrl(resolved.url), amqp_url: resolved.amqp_url && maskUrl(resolved.amqp_url) };
      writeLine(JSON.stringify(shown, null, 2));
    });
}
