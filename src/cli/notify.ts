/**
 * `tidings notify …`: the notifier's administration. `import-ownership FILE` loads who owns which
 * package and who is in which group (JSON Lines; `-` reads stdin) into the database directly, so it
 * also runs while `tidings serve` does. `deliveries` shows the outbox (what is queued, sent, or dead
 * with its reason) and `retry` puts dead deliveries back in the queue once their cause is fixed.
 */
import { readFileSync } from 'node:fs';
import type { Command } from '@commander-js/extra-typings';
import { openDatabase } from '../store/index.js';
import { DeliveryStore, importOwnership, NotifyStore, OwnershipImportError, type OutboxRow } from '../notify/index.js';
import { InputError } from './input.js';
import { commandConfig, writeLine } from './context.js';

export function registerNotify(program: Command): void {
  const notify = program.command('notify').description('notifications: ownership and membership import, the outbox of deliveries');

  notify
    .command('import-ownership')
    .description('import package owners and group members from JSON Lines ({"package","owner","comaintainers"} / {"group","members"})')
    .argument('<file>', 'the JSON Lines file, or - for stdin')
    .option('--data <dir>', 'data directory (SQLite); ignored with database_url')
    .action(async (file, flags, command) => {
      let text: string;
      try {
        text = readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (error) {
        throw new OwnershipImportError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
      }
      const config = commandConfig(command, flags.data ? { serve: { data_dir: flags.data } } : {});
      const database = await openDatabase({ url: config.database_url, dataDir: config.serve.data_dir });
      try {
        const counts = await importOwnership(new NotifyStore(database), text);
        const n = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
        writeLine(
          `imported ${n(counts.packages, 'package')} (${n(counts.owners, 'owner')}, ${n(counts.comaintainers, 'co-maintainer')}) ` +
            `and ${n(counts.groups, 'group')} (${n(counts.members, 'member')})`,
        );
      } finally {
        await database.close();
      }
    });

  notify
    .command('deliveries')
    .description("the outbox: deliveries queued, sent or dead (with the reason), newest first")
    .option('--state <state>', 'queued, sent or dead')
    .option('--destination <id>', "one destination's deliveries")
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'JSON Lines instead of a table')
    .option('--data <dir>', 'data directory (SQLite); ignored with database_url')
    .action(async (flags, command) => {
      const state = flags.state;
      if (state !== undefined && state !== 'queued' && state !== 'sent' && state !== 'dead') throw new InputError(`--state must be queued, sent or dead, not ${JSON.stringify(state)}`);
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new InputError(`--limit must be a whole number >= 1, not ${JSON.stringify(flags.limit)}`);
      await withDelivery(command, flags.data, async (delivery) => {
        const rows = await delivery.list({ ...(state ? { state } : {}), ...(flags.destination ? { destinationId: flags.destination } : {}), limit });
        for (const row of rows) writeLine(flags.json ? JSON.stringify(outboxLine(row)) : outboxText(row));
        if (!flags.json) {
          const counts = await delivery.counts();
          writeLine(`${counts.queued} queued, ${counts.sent} sent, ${counts.dead} dead`);
        }
      });
    });

  notify
    .command('retry')
    .description('put dead deliveries back in the queue (all, or one destination\'s), once their cause is fixed')
    .option('--destination <id>', "only this destination's")
    .option('--data <dir>', 'data directory (SQLite); ignored with database_url')
    .action(async (flags, command) => {
      await withDelivery(command, flags.data, async (delivery) => {
        const count = await delivery.retryDead(flags.destination ? { destinationId: flags.destination } : {});
        writeLine(`${count} dead deliver${count === 1 ? 'y' : 'ies'} queued again`);
      });
    });
}

async function withDelivery(command: Command<unknown[], Record<string, unknown>>, dataDir: string | undefined, work: (delivery: DeliveryStore) => Promise<void>): Promise<void> {
  const config = commandConfig(command, dataDir ? { serve: { data_dir: dataDir } } : {});
  const database = await openDatabase({ url: config.database_url, dataDir: config.serve.data_dir });
  try {
    await work(new DeliveryStore(database));
  } finally {
    await database.close();
  }
}

function outboxLine(row: OutboxRow): Record<string, unknown> {
  return {
    id: row.id,
    destination: row.destination_id,
    channel: row.channel,
    kind: row.kind,
    state: row.state,
    attempts: Number(row.attempts),
    created_at: new Date(Number(row.created_at)).toISOString(),
    due_at: new Date(Number(row.due_at)).toISOString(),
    sent_at: row.sent_at === null ? null : new Date(Number(row.sent_at)).toISOString(),
    error: row.last_error,
  };
}

function outboxText(row: OutboxRow): string {
  const when = new Date(Number(row.created_at)).toISOString().slice(0, 19).replace('T', ' ');
  const why = row.last_error ? `  ${row.last_error}` : '';
  return `${when}  ${row.state.padEnd(6)}  ${row.channel.padEnd(7)}  ${row.kind.padEnd(12)}  ${row.destination_id}  tries ${row.attempts}${why}`;
}
