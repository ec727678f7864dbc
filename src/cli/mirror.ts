/**
 * `tidings mirror …`: triggered mirroring. `announce` is for the master's own scripts: call it with
 * `--state out-of-sync` before writing to the tree and `--state in-sync` after, naming what changed;
 * mirrors hold in between and pull the changed subtrees after. `--config FILE agent` runs a mirror's
 * agent until stopped; it exits non-zero when its consumer ends (the bus went away), so that its
 * supervisor (systemd) starts it again: an agent never stops silently.
 */
import type { Command } from '@commander-js/extra-typings';
import { HintPathError, loadAgentConfig, MasterAnnouncer, MirrorAgent, TreeWatcher } from '../mirror/index.js';
import { commandConfig, commandLogger, connectBus, onShutdownSignal, writeLine } from './context.js';
import { ExitCode } from './exit-codes.js';
import { fetchArchive, serveUrl } from './serve-client.js';
import { loadTrust } from '../trust-client.js';
import type { MasterStatus, MirrorStatus } from '../mirror/index.js';
import { InputError } from './input.js';
import { shortDuration } from './format.js';

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

  mirror
    .command('agent')
    .description("run a mirror's agent: sync when the upstream says so, announce start and finish, keep a trace")
    .option('--serve-url <url>', "tidings serve, whose trust policy checks announcements' signatures when --url is an AMQP broker")
    .action(async (flags, command) => {
      // The agent's settings are the [agent] table of the configuration file (--config, TIDINGS_CONFIG),
      // beside the bus settings (url or amqp_url) it shares with every command.
      const file = (command.optsWithGlobals() as { config?: string }).config ?? process.env['TIDINGS_CONFIG'];
      if (!file) throw new InputError('give the agent its configuration: tidings --config FILE mirror agent (FILE has an [agent] table; see docs/mirroring.md)');
      const settings = loadAgentConfig(file);
      const config = commandConfig(command);
      const logger = commandLogger(config, 'tidings-mirror');
      const bus = await connectBus(config, logger, `tidings-mirror-agent ${settings.name}`);
      // With a trusted identity, announcements must also carry a valid signature of it (the gateway's
      // or the identity's own): on a broker anyone with publish rights could write the header.
      const verify = settings.trustedIdentity ? (await loadTrust(serveUrl(config, flags.serveUrl))).check : undefined;
      const agent = new MirrorAgent(bus, { ...settings, logger, ...(verify ? { verify } : {}) });
      const consumer = await agent.start();
      writeLine(`${settings.name} (tier ${settings.tier}) follows ${settings.upstream} for ${settings.module}, serving serial ${agent.serial}`);
      let stopping = false;
      onShutdownSignal(() => {
        stopping = true;
        void agent.stop();
      });
      const end = await consumer.ended;
      await agent.stop();
      await bus.close().catch(() => undefined);
      if (!stopping) {
        logger.error({ reason: end.reason, err: end.error }, 'the agent stopped following its upstream');
        process.exitCode = end.reason === 'broker' ? ExitCode.connectionFailed : ExitCode.callbackFailed;
      }
    });

  mirror
    .command('watch')
    .description("watch the master's tree and announce it: out of sync at the first write, in sync with the changed subtrees once quiet")
    .argument('<dir>', "the master's tree")
    .option('--module <name>', "the module's name (default: the tree's directory name)")
    .option('--quiet <seconds>', 'how long the tree must stay unchanged before it is announced in sync', '5')
    .action(async (dir, flags, command) => {
      const quiet = Number(flags.quiet);
      if (!(quiet > 0)) throw new InputError(`--quiet must be a number of seconds > 0, not ${JSON.stringify(flags.quiet)}`);
      const config = commandConfig(command);
      const logger = commandLogger(config, 'tidings-mirror');
      const bus = await connectBus(config, logger, 'tidings-mirror-watch');
      const announcer = new MasterAnnouncer(bus, { tree: dir, ...(flags.module ? { module: flags.module } : {}) });
      const watcher = new TreeWatcher(announcer, {
        tree: dir,
        quietMs: quiet * 1000,
        logger,
        onAnnounce: (announced) => writeLine(`${announced.topic} serial ${String(announced.body['serial'])}: ${(announced.body['paths'] as string[]).map((p) => p || '/').join(' ')}`),
      });
      await watcher.start();
      writeLine(`watching ${dir} (module ${announcer.module})`);
      await new Promise<void>((resolve) => onShutdownSignal(() => resolve()));
      await watcher.stop();
      await bus.close();
    });

  mirror
    .command('status')
    .description('every mirror: state, serial, lag behind the master, last failure — worst first')
    .option('--module <name>', 'one module only')
    .option('--json', 'the JSON the API answers')
    .option('--serve-url <url>', 'tidings serve when --url is an AMQP broker (env TIDINGS_SERVE_URL)')
    .action(async (flags, command) => {
      const config = commandConfig(command);
      const status = (await fetchArchive(serveUrl(config, flags.serveUrl), '/api/v1/mirrors', new URLSearchParams(flags.module ? { module: flags.module } : {}))) as unknown as { masters: MasterStatus[]; mirrors: MirrorStatus[] };
      if (flags.json) return writeLine(JSON.stringify(status));
      for (const master of status.masters) writeLine(`master ${master.module}: ${master.state} at serial ${master.serial} since ${master.since.slice(0, 19).replace('T', ' ')}`);
      const rows = status.mirrors.map((m) => [m.mirror, String(m.tier), m.upstream, m.module, m.state, String(m.serial), m.lagSerials === 0 ? '-' : `${m.lagSerials} / ${shortDuration(m.lagSeconds * 1000)}`, m.lastFinished ? m.lastFinished.slice(0, 19).replace('T', ' ') : 'never', m.lastFailure ? m.lastFailure.error.slice(0, 60) : '']);
      const header = ['MIRROR', 'TIER', 'UPSTREAM', 'MODULE', 'STATE', 'SERIAL', 'BEHIND', 'LAST SYNC', 'LAST FAILURE'];
      const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
      for (const row of [header, ...rows]) writeLine(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
      if (rows.length === 0) writeLine('no mirror has announced a sync yet');
    });
}

