/**
 * `tidings query`: search the archive (datagrepper's filters) and print readable lines or JSON
 * Lines; `tidings replay ID`: publish an archived message again, with its own id.
 */
import type { Command } from '@commander-js/extra-typings';
import { formatMessageLine } from '../message/index.js';
import { createSchemaRegistry } from '../schemas/index.js';
import { commandConfig, commandLogger, connectBus, writeLine } from './context.js';
import { serveUrl, fetchArchive, searchArchive, toMessage } from './serve-client.js';
import { formatReadableLine } from './format.js';
import { collect } from './options.js';

const FILTERS = ['topic', 'category', 'user', 'package', 'agent', 'contains'] as const;

export function registerQuery(program: Command): void {
  const command = program
    .command('query')
    .description('search the archive: readable lines (time, topic, summary) or JSON Lines with --json')
    .option('--serve-url <url>', 'the archive (tidings serve) when --url is an AMQP broker (env TIDINGS_SERVE_URL)')
    .option('--start <time>', 'epoch seconds or ISO date')
    .option('--end <time>', 'epoch seconds or ISO date')
    .option('--delta <seconds>', 'seconds back from --end (or now)')
    .option('--rows <n>', 'messages per page (at most 100)', '25')
    .option('--page <n>', 'which page', '1')
    .option('--order <asc|desc>', 'oldest or newest first', 'desc')
    .option('--json', 'one JSON Lines message per line');
  for (const name of FILTERS) command.option(`--${name} <value>`, `only messages with this ${name} (repeatable)`, collect);
  command.action(async (flags, cmd) => {
    const config = commandConfig(cmd);
    const base = serveUrl(config, flags.serveUrl);
    const params = new URLSearchParams({ rows_per_page: flags.rows, page: flags.page, order: flags.order });
    for (const key of ['start', 'end', 'delta'] as const) if (flags[key]) params.set(key, flags[key]!);
    for (const name of FILTERS) for (const value of (flags as unknown as Record<string, string[] | undefined>)[name] ?? []) params.append(name, value);
    const page = await searchArchive(base, params);
    const registry = createSchemaRegistry();
    for (const message of page.messages) {
      if (flags.json) writeLine(formatMessageLine(message));
      else writeLine(formatReadableLine({ ...message, queue: '', redelivered: false, facts: registry.facts(message), bodyText: '', problem: null }));
    }
    if (!flags.json) {
      process.stderr.write(`page ${flags.page} of ${page.pages}: ${page.messages.length} of ${page.totalIsEstimate ? 'more than ' : ''}${page.total} messages\n`);
    }
  });

  program
    .command('replay')
    .description('publish an archived message again, with its own id, topic, headers and body')
    .argument('<id>', 'the message id')
    .option('--serve-url <url>', 'the archive (tidings serve) when --url is an AMQP broker (env TIDINGS_SERVE_URL)')
    .action(async (id, flags, cmd) => {
      const config = commandConfig(cmd);
      const message = toMessage(await fetchArchive(serveUrl(config, flags.serveUrl), '/v2/id', new URLSearchParams({ id })));
      const logger = commandLogger(config, 'tidings-replay');
      const bus = await connectBus(config, logger, 'tidings-replay');
      try {
        const sent = await bus.publish({ ...message }, { raw: true });
        writeLine(`${sent.id} ${sent.topic}`);
      } finally {
        await bus.close();
      }
    });
}
