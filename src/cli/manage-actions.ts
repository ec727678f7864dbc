/**
 * The operators' actions from a shell, through serve's management API (so the role is checked and
 * every action audited and announced on the bus):
 *
 *   tidings dead-letters peek QUEUE [--limit N] [--json]     what died, why, from where (decoded by schema)
 *   tidings dead-letters export QUEUE [--limit N] > f.jsonl  one JSON object a line
 *   tidings dead-letters retry QUEUE (--all | --count N | --id ID…)
 *   tidings dead-letters discard QUEUE (--all | --count N | --id ID…)
 *   tidings queue purge QUEUE (--all | --count N)
 *   tidings queue move QUEUE --to OTHER (--all | --count N)
 *   tidings queue delete QUEUE [--even-if-used | --even-if-not-empty]
 *   tidings connection close NAME --reason TEXT
 *   tidings audit [--limit N] [--json]
 *
 * Changes need TIDINGS_TOKEN set to the token of an identity listed in manage.operators (or admins).
 */
import type { Command } from '@commander-js/extra-typings';
import { ConfigError } from '../config/index.js';
import type { ActionResult, AuditRecord, DecodedDeadLetter, Selection } from '../manage/index.js';
import { commandConfig, writeLine } from './context.js';
import { ManageClient } from './manage-client.js';
import { collect } from './options.js';
import { serveUrl } from './serve-client.js';
import { shortDuration, stripControl } from './format.js';

type Flags = { serveUrl?: string };
type SelectionFlags = { all?: boolean; count?: string; id?: string[] };

const SERVE_URL_HELP = 'tidings serve when --url is an AMQP broker (env TIDINGS_SERVE_URL)';

function clientOf(command: Command<unknown[], Record<string, unknown>>, flags: Flags): ManageClient {
  return new ManageClient(serveUrl(commandConfig(command), flags.serveUrl));
}

const path = (queue: string, rest = ''): string => `/api/v1/manage/queues/${encodeURIComponent(queue)}${rest}`;

function selectionOf(flags: SelectionFlags, idsAllowed: boolean): Selection {
  const given = [flags.all ? 'all' : null, flags.count !== undefined ? 'count' : null, flags.id?.length ? 'id' : null].filter(Boolean);
  const shapes = idsAllowed ? '--all, --count N or --id ID (repeatable)' : '--all or --count N';
  if (given.length !== 1) throw new ConfigError(`say which messages with exactly one of ${shapes}`, '--all');
  if (flags.all) return { all: true };
  if (flags.count !== undefined) {
    const count = Number(flags.count);
    if (!Number.isInteger(count) || count < 1) throw new ConfigError(`--count must be a whole number ≥ 1, got ${JSON.stringify(flags.count)}`, '--count');
    return { count };
  }
  return { ids: flags.id! };
}

function limitOf(raw: string | undefined, fallback: number): URLSearchParams {
  if (raw === undefined) return new URLSearchParams({ limit: String(fallback) });
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1) throw new ConfigError(`--limit must be a whole number ≥ 1, got ${JSON.stringify(raw)}`, '--limit');
  return new URLSearchParams({ limit: String(limit) });
}

function reportResult(verb: string, result: ActionResult): void {
  writeLine(`${verb} ${result.affected} message${result.affected === 1 ? '' : 's'}`);
  if (result.missing?.length) writeLine(`not found (already gone?): ${result.missing.map(stripControl).join(' ')}`);
}

export function registerManageActions(program: Command): void {
  const deadLetters = program.command('dead-letters').description("a queue's dead letters: peek, export, retry to where they came from, discard");

  deadLetters
    .command('peek')
    .description('the first dead letters of a queue (QUEUE or QUEUE.dlq), left where they are')
    .argument('<queue>')
    .option('--limit <n>', 'how many (default 20)')
    .option('--json', 'one decoded dead letter a line')
    .option('--serve-url <url>', SERVE_URL_HELP)
    .action(async (queue, flags, command) => {
      const answer = await clientOf(command, flags).get<{ deadLetters: DecodedDeadLetter[] }>(path(queue, '/dead-letters'), limitOf(flags.limit, 20));
      if (flags.json) {
        for (const letter of answer.deadLetters) writeLine(JSON.stringify(letter));
        return;
      }
      if (answer.deadLetters.length === 0) return writeLine(`no dead letters for ${stripControl(queue)}`);
      for (const letter of answer.deadLetters) {
        const died = letter.diedAt === null ? '' : ` ${shortDuration(Date.now() - letter.diedAt)} ago`;
        writeLine(stripControl(`#${letter.position} ${letter.id}  ${letter.topic}`));
        writeLine(stripControl(`   died${died} in ${letter.originQueue ?? '?'}: ${letter.reason ?? 'no reason recorded'}`));
        writeLine(stripControl(`   from exchange ${letter.originExchange || '(default)'} key ${letter.originRoutingKey ?? '?'}; dead-lettered ${letter.deaths}×, retried ${letter.retries}×`));
        if (letter.summary) writeLine(stripControl(`   ${letter.summary}`));
        if (letter.schemaProblem) writeLine(stripControl(`   schema: ${letter.schemaProblem}`));
        if (letter.bodyProblem) writeLine(stripControl(`   body: ${letter.bodyProblem}`));
      }
    });

  deadLetters
    .command('export')
    .description('dead letters as JSON Lines on stdout (decoded, with reasons), left where they are')
    .argument('<queue>')
    .option('--limit <n>', 'at most this many (default 10000)')
    .option('--serve-url <url>', SERVE_URL_HELP)
    .action(async (queue, flags, command) => {
      process.stdout.write(await clientOf(command, flags).text(path(queue, '/dead-letters/export'), limitOf(flags.limit, 10_000)));
    });

  for (const verb of ['retry', 'discard'] as const) {
    deadLetters
      .command(verb)
      .description(verb === 'retry' ? 'publish dead letters again to their original exchange and routing key (their retry count goes up)' : 'delete dead letters for good')
      .argument('<queue>')
      .option('--all', 'every dead letter of the queue')
      .option('--count <n>', 'the first N')
      .option('--id <id>', 'the dead letter with this message id (repeatable)', collect)
      .option('--serve-url <url>', SERVE_URL_HELP)
      .action(async (queue, flags, command) => {
        const result = await clientOf(command, flags).send<ActionResult>('POST', path(queue, `/dead-letters/${verb}`), selectionOf(flags, true));
        reportResult(verb === 'retry' ? 'retried' : 'discarded', result);
      });
  }

  const queues = program.command('queue').description('guarded actions on a queue: purge, move, delete');
  queues
    .command('purge')
    .description('remove waiting messages (not those a consumer holds)')
    .argument('<queue>')
    .option('--all', 'every waiting message')
    .option('--count <n>', 'the first N')
    .option('--serve-url <url>', SERVE_URL_HELP)
    .action(async (queue, flags, command) => {
      reportResult('purged', await clientOf(command, flags).send<ActionResult>('POST', path(queue, '/purge'), selectionOf(flags, false)));
    });
  queues
    .command('move')
    .description('move waiting messages to the end of another queue, unchanged')
    .argument('<queue>')
    .requiredOption('--to <queue>', 'the queue to move them to')
    .option('--all', 'every waiting message')
    .option('--count <n>', 'the first N')
    .option('--serve-url <url>', SERVE_URL_HELP)
    .action(async (queue, flags, command) => {
      reportResult('moved', await clientOf(command, flags).send<ActionResult>('POST', path(queue, '/move'), { to: flags.to, ...selectionOf(flags, false) }));
    });
  queues
    .command('delete')
    .description('delete a queue — only if it is empty and unused, unless told to drop one of the guards')
    .argument('<queue>')
    .option('--even-if-used', 'delete it although consumers are attached (still only if empty)')
    .option('--even-if-not-empty', 'delete it with its messages (still only if unused)')
    .option('--serve-url <url>', SERVE_URL_HELP)
    .action(async (queue, flags, command) => {
      if (flags.evenIfUsed && flags.evenIfNotEmpty) throw new ConfigError('a queue is deleted only if empty or unused: drop one guard at most', '--even-if-used');
      const params = new URLSearchParams({ if_empty: String(!flags.evenIfNotEmpty), if_unused: String(!flags.evenIfUsed) });
      await clientOf(command, flags).send('DELETE', `${path(queue)}?${params}`);
      writeLine(`deleted ${stripControl(queue)}`);
    });

  program
    .command('connection')
    .description('connections to the bus')
    .command('close')
    .description('close a connection (its name as tidings status shows it), telling its client why')
    .argument('<name>')
    .requiredOption('--reason <text>', 'why: the client logs it')
    .option('--serve-url <url>', SERVE_URL_HELP)
    .action(async (name, flags, command) => {
      await clientOf(command, flags).send('POST', `/api/v1/manage/connections/${encodeURIComponent(name)}/close`, { reason: flags.reason });
      writeLine(`closed ${stripControl(name)}`);
    });

  program
    .command('audit')
    .description('the management actions asked for, newest first: who, what, on which object, with what outcome')
    .option('--limit <n>', 'how many (default 50)')
    .option('--json', 'one record a line')
    .option('--serve-url <url>', SERVE_URL_HELP)
    .action(async (flags, command) => {
      const { records } = await clientOf(command, flags).get<{ records: AuditRecord[] }>('/api/v1/manage/audit', limitOf(flags.limit, 50));
      for (const record of records) {
        if (flags.json) writeLine(JSON.stringify(record));
        else {
          const when = new Date(record.at).toISOString().slice(0, 19).replace('T', ' ');
          writeLine(stripControl(`${when}  ${record.actor} (${record.role})  ${record.action} ${record.target}  ${record.outcome}${record.outcome === 'done' ? ` (${record.affected})` : ''}${record.error ? `: ${record.error}` : ''}`));
        }
      }
      if (!flags.json && records.length === 0) writeLine('no management action has been asked for yet');
    });
}
