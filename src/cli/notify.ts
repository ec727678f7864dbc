/**
 * `tidings notify …`: the notifier's administration. `import-ownership FILE` loads who owns which
 * package and who is in which group (JSON Lines; `-` reads stdin) into the database directly, so it
 * also runs while `tidings serve` does.
 */
import { readFileSync } from 'node:fs';
import type { Command } from '@commander-js/extra-typings';
import { openDatabase } from '../store/index.js';
import { importOwnership, NotifyStore, OwnershipImportError } from '../notify/index.js';
import { commandConfig, writeLine } from './context.js';

export function registerNotify(program: Command): void {
  const notify = program.command('notify').description('notifications: ownership and membership import');

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
}
