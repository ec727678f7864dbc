/**
 * `tidings mirror …`: triggered mirroring. `announce` is for the master's own scripts: call it with
 * `--state out-of-sync` before writing to the tree and `--state in-sync` after, naming what changed;
 * mirrors hold in between and pull the changed subtrees after.
 */
import type { Command } from '@commander-js/extra-typings';
import { HintPathError, MasterAnnouncer } from '../mirror/index.js';
import { commandConfig, commandLogger, connectBus, writeLine } from './context.js';
import { InputError } from './input.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerMirror(program: Command): void {
  const mirror = program.command('mirror').description('triggered mirroring: the master announces, mirrors follow');

  mirror
    .command('announce')
    .description('announce that the master tree goes out of sync (a write starts) or is in sync again, with the changed subtrees')
    .requiredOption('--state <state>', 'out-of-sync or in-sync')
    .requiredOption('--tree <dir>', "the master's tree (its serial and manifest are kept in DIR/.tidings)")
    .option('--path <subtree>', 'a subtree that changes, relative to the tree (repeatable; none means all of it)', collect, [] as string[])
    .option('--module <name>', "the module's name (default: the tree's directory name)")
    .option('--no-manifest', 'do not write the manifest on in-sync (very large trees, written by other means)')
    .action(async (flags, command) => {
      if (flags.state !== 'out-of-sync' && flags.state !== 'in-sync') throw new InputError(`--state must be out-of-sync or in-sync, not ${JSON.stringify(flags.state)}`);
      const config = commandConfig(command);
      const logger = commandLogger(config, 'tidings-mirror');
      const bus = await connectBus(config, logger, 'tidings-mirror-announce');
      try {
        const announcer = new MasterAnnouncer(bus, { tree: flags.tree, ...(flags.module ? { module: flags.module } : {}), manifest: flags.manifest });
        const announced = await (flags.state === 'out-of-sync' ? announcer.outOfSync(flags.path) : announcer.inSync(flags.path)).catch((error: unknown) => {
          throw error instanceof HintPathError ? new InputError(error.message, { cause: error }) : error;
        });
        const paths = (announced.body['paths'] as string[]).map((path) => (path === '' ? '/' : path)).join(' ');
        writeLine(`${announced.topic} serial ${String(announced.body['serial'])}: ${paths}`);
      } finally {
        await bus.close();
      }
    });
}
