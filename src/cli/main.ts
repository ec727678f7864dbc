/**
 * The `tidings` command. Each subcommand lives in its own file; this one wires them, and turns every
 * failure into one clear line on stderr and the exit code of src/cli/exit-codes.ts.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from '@commander-js/extra-typings';
import { exitCodeFor, ExitCode } from './exit-codes.js';
import { registerServe } from './serve.js';
import { registerPublish } from './publish.js';
import { registerConsume } from './consume.js';
import { registerTail } from './tail.js';
import { registerRecord } from './record.js';
import { registerConfig } from './config.js';
import { registerArchive } from './archive.js';
import { registerQuery } from './query.js';
import { registerIdentity } from './identity.js';
import { registerSchema } from './schema.js';
import { registerGitHook } from './git-hook.js';
import { registerSimulate } from './simulate.js';
import { registerNotify } from './notify.js';
import { registerMirror } from './mirror.js';
import { registerStatus } from './status.js';
import { registerCheck } from './check.js';
import { registerManageActions } from './manage-actions.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('tidings')
    .description('Tidings: the message bus and notifications of a distribution\'s infrastructure')
    .version(version)
    .option('--url <url>', 'the bus: http://host:port of a tidings serve (env TIDINGS_URL; default http://127.0.0.1:8780)')
    .option('--config <file>', 'TOML configuration (env TIDINGS_CONFIG)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (env TIDINGS_LOG_LEVEL)')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerServe(program as unknown as Command);
  registerPublish(program as unknown as Command);
  registerConsume(program as unknown as Command);
  registerTail(program as unknown as Command);
  registerRecord(program as unknown as Command);
  registerConfig(program as unknown as Command);
  registerArchive(program as unknown as Command);
  registerQuery(program as unknown as Command);
  registerIdentity(program as unknown as Command);
  registerSchema(program as unknown as Command);
  registerGitHook(program as unknown as Command);
  registerSimulate(program as unknown as Command);
  registerNotify(program as unknown as Command);
  registerMirror(program as unknown as Command);
  registerStatus(program as unknown as Command);
  registerCheck(program as unknown as Command);
  registerManageActions(program as unknown as Command);
  return program as unknown as Command;
}

/** The error's message followed by each cause's, where the message does not already say it. */
function withCauses(error: unknown): string {
  let text = error instanceof Error ? error.message : String(error);
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++, cause = cause.cause) {
    if (!text.includes(cause.message)) text += `: ${cause.message}`;
  }
  return text;
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version output are not failures; commander has already printed its message.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return ExitCode.ok;
    }
    return ExitCode.usage;
  }
  const message = withCauses(error);
  const code = (error as { code?: unknown } | null)?.code;
  process.stderr.write(`tidings: ${message}${typeof code === 'string' ? ` [${code}]` : ''}\n`);
  if (process.env['TIDINGS_DEBUG'] && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
  return exitCodeFor(error);
}

/**
 * Runs one command, then exits: a handler still running after its consumer ended (the broker went
 * away under it) or a stray timer in a callback must not keep the process alive.
 */
export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = report(error);
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

await main();
