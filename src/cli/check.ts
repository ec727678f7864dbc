/**
 * `tidings check …`: Nagios/Icinga plugins. Each prints one line (`TIDINGS QUEUE WARNING - … | perfdata`)
 * and exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN — also when serve cannot be reached, as the plugin
 * guidelines ask, so a monitoring system never mistakes "could not look" for "fine".
 *
 *   tidings check queue NAME [--warning N] [--critical N]      ready messages
 *   tidings check age NAME [--warning S] [--critical S]        oldest message, seconds
 *   tidings check consumers NAME [--minimum N]                 consumers attached
 *   tidings check dead-letters [NAME] [--warning N] [--critical N]
 *   tidings check connections SERVICE --critical N [--warning N]   at least N connections of a service
 *   tidings check alarms                                       broker memory and disk alarms
 *   tidings check alerts [SUBJECT]                             serve's active progress alerts
 */
import type { Command } from '@commander-js/extra-typings';
import {
  checkAlerts,
  checkConnections,
  checkDeadLetters,
  checkNodeAlarms,
  checkQueueAge,
  checkQueueConsumers,
  checkQueueDepth,
  checkUnavailable,
  type Alert,
  type BusSnapshot,
  type CheckResult,
} from '../manage/index.js';
import { commandConfig } from './context.js';
import { ManageClient } from './manage-client.js';
import { serveUrl } from './serve-client.js';

type Flags = { serveUrl?: string; warning?: string; critical?: string; minimum?: string };

/** Runs a check and exits with its code; any failure to look is UNKNOWN. */
async function runCheck(command: Command<unknown[], Record<string, unknown>>, flags: Flags, check: (client: ManageClient) => Promise<CheckResult>): Promise<void> {
  let outcome: CheckResult;
  try {
    outcome = await check(new ManageClient(serveUrl(commandConfig(command), flags.serveUrl)));
  } catch (error) {
    outcome = checkUnavailable((error as Error).message);
  }
  process.stdout.write(`${outcome.line}\n`);
  process.exitCode = outcome.exitCode;
}

const snapshotOf = (client: ManageClient): Promise<BusSnapshot> => client.get<BusSnapshot>('/api/v1/manage/snapshot');

/** A threshold flag as a number; NaN reaches the check, which answers UNKNOWN naming it. */
function number(raw: string | undefined): number | undefined {
  return raw === undefined ? undefined : Number(raw);
}

function thresholds(flags: Flags): { warning?: number; critical?: number } {
  const warning = number(flags.warning);
  const critical = number(flags.critical);
  return { ...(warning !== undefined ? { warning } : {}), ...(critical !== undefined ? { critical } : {}) };
}

export function registerCheck(program: Command): void {
  const check = program.command('check').description('Nagios/Icinga checks: one line with perfdata, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN');
  const serveOption = ['--serve-url <url>', 'tidings serve when --url is an AMQP broker (env TIDINGS_SERVE_URL)'] as const;

  check
    .command('queue')
    .description("a queue's ready messages")
    .argument('<queue>')
    .option('--warning <n>', 'WARNING above this many')
    .option('--critical <n>', 'CRITICAL above this many')
    .option(...serveOption)
    .action((queue, flags, command) => runCheck(command, flags, async (client) => checkQueueDepth(await snapshotOf(client), queue, thresholds(flags))));

  check
    .command('age')
    .description("the age of a queue's oldest message, in seconds")
    .argument('<queue>')
    .option('--warning <seconds>', 'WARNING above this age')
    .option('--critical <seconds>', 'CRITICAL above this age')
    .option(...serveOption)
    .action((queue, flags, command) => runCheck(command, flags, async (client) => checkQueueAge(await snapshotOf(client), queue, thresholds(flags))));

  check
    .command('consumers')
    .description("a queue's consumers: CRITICAL below the minimum while messages wait")
    .argument('<queue>')
    .option('--minimum <n>', 'consumers it needs (default 1)')
    .option(...serveOption)
    .action((queue, flags, command) =>
      runCheck(command, flags, async (client) => {
        const minimum = number(flags.minimum);
        return checkQueueConsumers(await snapshotOf(client), queue, minimum === undefined ? {} : { minimum });
      }),
    );

  check
    .command('dead-letters')
    .description("dead letters of one queue, or of all (default: WARNING at any)")
    .argument('[queue]')
    .option('--warning <n>', 'WARNING above this many')
    .option('--critical <n>', 'CRITICAL above this many')
    .option(...serveOption)
    .action((queue, flags, command) => runCheck(command, flags, async (client) => checkDeadLetters(await snapshotOf(client), { ...thresholds(flags), ...(queue ? { queue } : {}) })));

  check
    .command('connections')
    .description('connections of a service (its connection name or the service in its properties)')
    .argument('<service>')
    .requiredOption('--critical <n>', 'CRITICAL below this many')
    .option('--warning <n>', 'WARNING below this many')
    .option(...serveOption)
    .action((service, flags, command) =>
      runCheck(command, flags, async (client) => {
        const warning = number(flags.warning);
        return checkConnections(await snapshotOf(client), service, { critical: Number(flags.critical), ...(warning !== undefined ? { warning } : {}) });
      }),
    );

  check
    .command('alarms')
    .description("the broker's memory and disk alarms (CRITICAL while either blocks publishers)")
    .option(...serveOption)
    .action((flags, command) => runCheck(command, flags, async (client) => checkNodeAlarms(await snapshotOf(client))));

  check
    .command('alerts')
    .description("serve's active progress alerts (of one queue, family or node when named)")
    .argument('[subject]')
    .option(...serveOption)
    .action((subject, flags, command) =>
      runCheck(command, flags, async (client) => checkAlerts((await client.get<{ alerts: Alert[] }>('/api/v1/manage/alerts')).alerts, subject)),
    );
}
