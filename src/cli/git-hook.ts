/**
 * `tidings git-hook post-receive` (installed as a repository's hooks/post-receive) and
 * `tidings git-hook flush` (sends what a hook had to spool). The hook never fails a push: every
 * problem becomes a warning on stderr, which git shows the pusher, and the exit code is 0.
 */
import { userInfo } from 'node:os';
import type { Command } from '@commander-js/extra-typings';
import { ConfigError, maskUrl, type TidingsConfig } from '../config/index.js';
import type { Bus } from '../bus/index.js';
import { connect } from '../connect.js';
import { createLogger, type Logger } from '../log/index.js';
import {
  DEFAULT_MAX_COMMITS,
  DEFAULT_MAX_PATCH_BYTES,
  defaultSpoolDir,
  deliverSpool,
  Git,
  runPostReceive,
  Spool,
  type DeliveryReport,
} from '../githook/index.js';
import { createSchemaRegistry } from '../schemas/index.js';
import { busOptions, commandConfig, type GlobalOptions } from './context.js';

const NAME = 'tidings-git-hook';
const DEFAULT_HOOK_TIMEOUT_S = 10;
const DEFAULT_FLUSH_TIMEOUT_S = 60;

function warn(text: string): void {
  process.stderr.write(`tidings: warning: ${text}\n`);
}

function say(text: string): void {
  process.stderr.write(`tidings: ${text}\n`);
}

function positiveNumber(value: string | undefined, flag: string, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || (integer && !Number.isInteger(number))) {
    throw new ConfigError(`${flag} must be a ${integer ? 'whole ' : ''}number above 0, got ${JSON.stringify(value)}`, flag);
  }
  return number;
}

/** The pusher: gitolite's GL_USER, a web server's REMOTE_USER, else the account the hook runs as. */
function pusher(env: NodeJS.ProcessEnv = process.env): string {
  for (const key of ['GL_USER', 'REMOTE_USER', 'USER', 'LOGNAME']) {
    const value = env[key]?.trim();
    if (value) return value;
  }
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * Hooks print into the pusher's terminal: only errors are logged unless a level was asked for
 * (a connection log line at info would show up on every push).
 */
function hookLogger(config: TidingsConfig, command: Command<unknown[], Record<string, unknown>>): Logger {
  const asked = (command.optsWithGlobals() as GlobalOptions).logLevel ?? process.env['TIDINGS_LOG_LEVEL'];
  return createLogger({ level: asked ? config.log_level : 'error', name: NAME });
}

function connector(config: TidingsConfig, logger: Logger): (timeoutMs: number) => Promise<Bus> {
  return (timeoutMs) => connect(config.url, { ...busOptions(config, logger, NAME), connectTimeoutMs: Math.max(1, Math.round(timeoutMs)) });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Warnings for what a delivery left behind; true when the spool is empty. */
function reportDelivery(delivery: DeliveryReport, spoolDir: string, url: string): boolean {
  for (const { entry, reason } of delivery.rejected) warn(`${entry} was set aside in ${spoolDir}/rejected: ${reason}`);
  if (delivery.left === 0) return true;
  const why = delivery.error ? delivery.error.message : 'delivery stopped';
  warn(
    `the bus at ${maskUrl(url)} did not take every message (${why}); ${plural(delivery.left, 'message')} wait in ${spoolDir} ` +
      'and go out first with the next push, or with `tidings git-hook flush`',
  );
  return false;
}

export function registerGitHook(program: Command): void {
  const gitHook = program.command('git-hook').description('announce pushes on the bus from a git server (post-receive), and send what had to wait');

  gitHook
    .command('post-receive')
    .description('run as a repository\'s hooks/post-receive: one git.receive message per new commit, plus branch and tag events')
    .option('--repository <name>', 'announce the repository as NAME or NAMESPACE/NAME (default: its directory name without .git)')
    .option('--with-namespace', 'take the namespace from the directory holding the repository (/srv/git/rpms/kernel.git → rpms/kernel)')
    .option('--commit-url <template>', 'link for each commit, e.g. https://git.example.org/{repository}/commit/{rev} ({repo}, {namespace}, {branch} too)')
    .option('--max-commits <n>', `commits announced one by one per push; the rest get one summary message (default ${DEFAULT_MAX_COMMITS})`)
    .option('--max-patch-bytes <n>', `patch excerpt per commit, cut with a marker beyond it (default ${DEFAULT_MAX_PATCH_BYTES})`)
    .option('--timeout <seconds>', `longest the push waits for the bus, connecting included; then messages are spooled (default ${DEFAULT_HOOK_TIMEOUT_S})`)
    .option('--spool <dir>', 'where messages wait while the bus is away (default $GIT_DIR/tidings-spool)')
    .option('-q, --quiet', 'print nothing when every message was delivered')
    .action(async (flags, command) => {
      // Whatever happens, the push already happened: exit 0 and say what went wrong.
      try {
        const config = commandConfig(command);
        const logger = hookLogger(config, command);
        const timeoutMs = positiveNumber(flags.timeout, '--timeout', DEFAULT_HOOK_TIMEOUT_S) * 1000;
        const git = await Git.discover(undefined);
        const report = await runPostReceive({
          input: await readStdin(),
          git,
          spoolDir: flags.spool,
          naming: { name: flags.repository, withNamespace: flags.withNamespace ?? false },
          commitUrl: flags.commitUrl ?? null,
          agent: pusher(),
          topicPrefix: config.topic_prefix,
          maxBodyBytes: config.max_message_bytes,
          limits: {
            maxCommits: positiveNumber(flags.maxCommits, '--max-commits', DEFAULT_MAX_COMMITS, true),
            maxPatchBytes: positiveNumber(flags.maxPatchBytes, '--max-patch-bytes', DEFAULT_MAX_PATCH_BYTES, true),
          },
          registry: createSchemaRegistry(),
          connect: connector(config, logger),
          budgetMs: timeoutMs,
        });
        for (const line of report.skippedLines) warn(`ignored a line that is not "<old> <new> <ref>": ${JSON.stringify(line)}`);
        for (const text of report.warnings) warn(text);
        for (const update of report.ignored) logger.debug({ ref: update.ref }, 'not a branch or tag: not announced');
        if (report.direct) {
          if (report.direct.error) {
            warn(`${plural(report.messages.length - report.direct.sent, 'message')} could not be sent and are lost: ${report.direct.error.message}`);
          }
          return;
        }
        const delivery = report.delivery!;
        if (reportDelivery(delivery, report.spoolDir, config.url) && !flags.quiet && delivery.sent > 0) {
          const earlier = delivery.sent - report.messages.length;
          say(`${plural(delivery.sent, 'message')} delivered to ${maskUrl(config.url)}${earlier > 0 ? ` (${earlier} spooled by earlier pushes)` : ''}`);
        }
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        warn(`nothing was announced for this push: ${(error as Error).message}${typeof code === 'string' ? ` [${code}]` : ''}`);
      }
      process.exitCode = 0;
    });

  gitHook
    .command('flush')
    .description('send the messages a hook spooled while the bus was away, in order (run in the repository, or give --git-dir / --spool)')
    .option('--git-dir <dir>', 'the repository (default: the current one, or $GIT_DIR)')
    .option('--spool <dir>', 'the spool directory (default <git dir>/tidings-spool)')
    .option('--timeout <seconds>', `longest to wait for the bus, connecting included (default ${DEFAULT_FLUSH_TIMEOUT_S})`)
    .action(async (flags, command) => {
      const config = commandConfig(command);
      const logger = hookLogger(config, command);
      const timeoutMs = positiveNumber(flags.timeout, '--timeout', DEFAULT_FLUSH_TIMEOUT_S) * 1000;
      const spoolDir = flags.spool ?? defaultSpoolDir((await Git.discover(flags.gitDir)).gitDir);
      const spool = new Spool(spoolDir);
      const delivery = await deliverSpool(spool, { connect: connector(config, logger), budgetMs: timeoutMs });
      for (const { entry, reason } of delivery.rejected) warn(`${entry} was set aside in ${spoolDir}/rejected: ${reason}`);
      if (delivery.error) throw delivery.error;
      say(`${plural(delivery.sent, 'spooled message')} delivered to ${maskUrl(config.url)}; the spool ${spoolDir} is empty`);
    });
}
