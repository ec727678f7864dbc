/**
 * Running git for the hook: argument arrays, never a shell, and only object names (never ref names,
 * which a pusher chooses) on command lines. Output that can be huge (a patch) is read up to a bound
 * and the process is stopped there.
 */
import { spawn } from 'node:child_process';
import { GitError } from './errors.js';

export interface GitRunOptions {
  /** Written to git's stdin. */
  readonly input?: string;
  /** Stop reading (and stop git) after this many bytes of stdout; `truncated` says it happened. */
  readonly maxBytes?: number;
  /** Exit codes that are answers, not failures (e.g. 1 for `merge-base --is-ancestor`). */
  readonly okCodes?: readonly number[];
}

export interface GitOutput {
  readonly stdout: Buffer;
  readonly code: number;
  readonly truncated: boolean;
}

/** Bounds the error text kept from git's stderr. */
const MAX_STDERR = 4096;

export class Git {
  /**
   * @param gitDir the repository (its git directory), absolute
   * @param env the environment git runs with; GIT_DIR is set to `gitDir`
   */
  constructor(
    readonly gitDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The repository at `dir` (a git directory or a working tree), or the one $GIT_DIR / the current directory is in. */
  static async discover(dir: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Git> {
    const probeEnv = { ...env };
    if (dir !== undefined) delete probeEnv['GIT_DIR'];
    const probe = new Git('.', probeEnv);
    const args = [...(dir !== undefined ? ['-C', dir] : []), 'rev-parse', '--absolute-git-dir'];
    const { stdout } = await probe.runRaw(args, {}, true);
    const gitDir = stdout.toString('utf8').trim();
    if (!gitDir) throw new GitError(`${dir ?? process.cwd()} is not a git repository`);
    return new Git(gitDir, env);
  }

  run(args: readonly string[], options: GitRunOptions = {}): Promise<GitOutput> {
    return this.runRaw(args, options, false);
  }

  async text(args: readonly string[], options: GitRunOptions = {}): Promise<string> {
    return (await this.run(args, options)).stdout.toString('utf8');
  }

  private runRaw(args: readonly string[], options: GitRunOptions, inheritGitDir: boolean): Promise<GitOutput> {
    const env = { ...this.env };
    if (!inheritGitDir) env['GIT_DIR'] = this.gitDir;
    // A pager or a terminal prompt would hang a hook; colour codes would end up in messages.
    env['GIT_PAGER'] = 'cat';
    env['GIT_TERMINAL_PROMPT'] = '0';
    const child = spawn('git', ['-c', 'color.ui=never', ...args], {
      env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    return new Promise<GitOutput>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        if (truncated) return;
        const limit = options.maxBytes;
        if (limit !== undefined && size + chunk.length > limit) {
          chunks.push(chunk.subarray(0, limit - size));
          size = limit;
          truncated = true;
          child.kill('SIGTERM');
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        if (stderr.length < MAX_STDERR) stderr += chunk;
      });
      child.on('error', (error) => reject(new GitError(`could not run git ${args[0]}: ${error.message}: is git installed?`, { cause: error })));
      child.on('close', (code, signal) => {
        const exitCode = code ?? -1;
        if (truncated || exitCode === 0 || options.okCodes?.includes(exitCode)) {
          resolve({ stdout: Buffer.concat(chunks, size), code: exitCode, truncated });
          return;
        }
        const why = signal ? `was killed by ${signal}` : `exited with ${exitCode}`;
        reject(new GitError(`git ${args.join(' ')} ${why} in ${this.gitDir}: ${stderr.trim().slice(0, 500) || '(no message)'}`));
      });
      if (child.stdin) {
        child.stdin.on('error', () => undefined); // git may exit before reading everything (a bound hit)
        child.stdin.end(options.input);
      }
    });
  }
}
