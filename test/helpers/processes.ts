/**
 * Real processes for end-to-end tests: `tidings serve`, client commands and small Node scripts,
 * with their output collected, waits that fail loudly (showing every process's stderr), and one
 * call that kills whatever is still running. No sleeps: every wait is on output, an exit or HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const BIN = join(REPO, 'bin', 'tidings');
/** For scripts written into temp dirs: `import { connect } from '${CONNECT_MODULE}'`. */
export const CONNECT_MODULE = pathToFileURL(join(REPO, 'dist', 'connect.js')).href;

if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) {
  throw new Error(`${REPO}/dist is missing: run \`npm run build\` before the end-to-end tests`);
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

type Stream = 'stdout' | 'stderr';

/** Processes not yet exited, and every process started (for failure reports). */
const running = new Set<Proc>();
const started: Proc[] = [];
const tempDirs = new Set<string>();

function tail(text: string, chars = 3000): string {
  return text.length <= chars ? text : `…${text.slice(-chars)}`;
}

/** The processes this file started last, with the end of their output: what a failed wait shows. */
export function describeAll(): string {
  return started.slice(-10).map((proc) => proc.describe()).join('\n');
}

export class Proc {
  stdout = '';
  stderr = '';
  /** Newlines seen on stdout: cheap to read when a process prints thousands of lines. */
  stdoutLineCount = 0;
  exit: Exit | undefined;
  readonly exited: Promise<Exit>;
  private readonly watchers = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    running.add(this);
    started.push(this);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.onOutput('stdout', chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.onOutput('stderr', chunk));
    this.exited = new Promise((resolveExit) => {
      // 'close' comes after the output streams ended, so everything printed has been collected.
      child.on('close', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        resolveExit(this.exit);
        this.notify();
      });
      child.on('error', (error) => {
        this.stderr += `\n[spawn error: ${error.message}]`;
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private onOutput(stream: Stream, chunk: string): void {
    this[stream] += chunk;
    if (stream === 'stdout') for (const char of chunk) if (char === '\n') this.stdoutLineCount++;
    this.notify();
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }

  /** Complete lines printed so far on `stream`. */
  lines(stream: Stream = 'stdout'): string[] {
    const text = this[stream];
    const end = text.lastIndexOf('\n');
    return end < 0 ? [] : text.slice(0, end).split('\n');
  }

  describe(): string {
    const state = this.exit ? `exited code=${this.exit.code} signal=${this.exit.signal}` : 'running';
    return (
      `--- ${this.name} (pid ${this.pid}, ${state})\n` +
      `    stdout: ${tail(this.stdout, 1500) || '(nothing)'}\n` +
      `    stderr: ${tail(this.stderr) || '(nothing)'}`
    );
  }

  /**
   * Resolves with `check()`'s first non-undefined result, re-checked on every output and on exit.
   * Fails after `timeoutMs`, or at once when the process has exited without satisfying it.
   */
  waitFor<T>(check: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolveWait, reject) => {
      const fail = (why: string): void => {
        cleanup();
        reject(new Error(`${this.name}: ${why} waiting for ${what}\n${describeAll()}`));
      };
      const watcher = (): void => {
        const result = check();
        if (result !== undefined) {
          cleanup();
          resolveWait(result);
        } else if (this.exit) {
          fail(`exited (code=${this.exit.code} signal=${this.exit.signal})`);
        }
      };
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.watchers.delete(watcher);
      };
      this.watchers.add(watcher);
      watcher();
    });
  }

  /** The first complete line on `stream` matching `pattern`. */
  waitForLine(pattern: RegExp, options: { stream?: Stream; timeoutMs?: number } = {}): Promise<RegExpMatchArray> {
    const stream = options.stream ?? 'stdout';
    return this.waitFor(
      () => {
        for (const line of this.lines(stream)) {
          const match = pattern.exec(line);
          if (match) return match;
        }
        return undefined;
      },
      `a line matching ${pattern} on ${stream}`,
      options.timeoutMs,
    );
  }

  /** Waits until `count` complete lines are on stdout; returns them. */
  waitForLines(count: number, timeoutMs = 10_000): Promise<string[]> {
    return this.waitFor(() => (this.lines().length >= count ? this.lines() : undefined), `${count} lines on stdout`, timeoutMs);
  }

  /** Waits for the process to end; fails loudly (and kills it) when it does not within `timeoutMs`. */
  async waitForExit(timeoutMs = 15_000): Promise<Exit> {
    if (this.exit) return this.exit;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const description = describeAll();
        this.child.kill('SIGKILL');
        reject(new Error(`${this.name} did not exit within ${timeoutMs} ms\n${description}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.exit) this.child.kill(signal);
  }
}

/** The environment of child processes: ours without TIDINGS_* settings or the test runner's markers. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('TIDINGS_') && key !== 'NODE_TEST_CONTEXT' && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return { ...env, ...extra };
}

export interface SpawnOptions {
  readonly env?: Record<string, string>;
  readonly name?: string;
  readonly cwd?: string;
}

/** Starts `node <script> ...args` (a script file, or the tidings CLI). */
export function spawnNode(script: string, args: readonly string[], options: SpawnOptions = {}): Proc {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd ?? REPO,
    env: childEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Proc(options.name ?? `node ${script} ${args.join(' ')}`, child);
}

/** Starts `tidings ...args`. */
export function spawnTidings(args: readonly string[], options: SpawnOptions = {}): Proc {
  return spawnNode(BIN, args, { ...options, name: options.name ?? `tidings ${args.join(' ')}` });
}

export interface Result extends Exit {
  readonly stdout: string;
  readonly stderr: string;
  readonly lines: string[];
}

/** Runs `tidings ...args` to its end, with `input` on stdin; fails loudly when it takes too long. */
export async function runTidings(
  args: readonly string[],
  options: SpawnOptions & { input?: string; timeoutMs?: number } = {},
): Promise<Result> {
  const proc = spawnTidings(args, options);
  proc.child.stdin?.end(options.input ?? '');
  const exit = await proc.waitForExit(options.timeoutMs ?? 15_000);
  return { ...exit, stdout: proc.stdout, stderr: proc.stderr, lines: proc.lines() };
}

/**
 * Starts a consuming command (tail, consume, record) and resolves once its consumer is attached,
 * as its debug log says, so that what is published next reaches it.
 */
export async function startConsuming(args: readonly string[], options: SpawnOptions = {}): Promise<Proc> {
  const proc = spawnTidings(['--log-level', 'debug', ...args], options);
  proc.child.stdin?.end();
  await proc.waitForLine(/"msg":"consuming"/, { stream: 'stderr' });
  return proc;
}

export interface Server {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly proc: Proc;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<Exit>;
}

/** `tidings serve` on `port` (default: any free one), ready when GET /healthz/ready answers 200. */
export async function startServe(dataDir: string, options: { port?: number; env?: Record<string, string> } = {}): Promise<Server> {
  const proc = spawnTidings(['serve', '--listen', `127.0.0.1:${options.port ?? 0}`, '--data', dataDir], {
    name: `tidings serve (${dataDir})`,
    ...(options.env ? { env: options.env } : {}),
  });
  const [, url, port] = await proc.waitForLine(/^Tidings is running at (http:\/\/127\.0\.0\.1:(\d+)) /);
  await waitForReady(url!, proc);
  return {
    url: url!,
    port: Number(port),
    dataDir,
    proc,
    async stop() {
      proc.kill('SIGTERM');
      return proc.waitForExit();
    },
  };
}

async function waitForReady(url: string, proc: Proc, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (proc.exit) break;
    try {
      const response = await fetch(`${url}/healthz/ready`);
      if (response.status === 200) return;
      last = `status ${response.status}: ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolveTick) => setTimeout(resolveTick, 25)); // polling interval, not synchronisation
  }
  throw new Error(`${url}/healthz/ready never answered 200 (${last})\n${describeAll()}`);
}

/** A port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const address = server.address();
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

export function makeTempDir(prefix = 'tidings-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Kills every process still running except `keep` (SIGKILL) and waits for them: for `afterEach`. */
export async function killAll(keep: readonly Proc[] = []): Promise<void> {
  const left = [...running].filter((proc) => !keep.includes(proc));
  for (const proc of left) proc.kill('SIGKILL');
  await Promise.all(left.map((proc) => proc.exited));
}

/** Kills every process still running (SIGKILL), waits for them, removes the temp dirs. For `after`. */
export async function cleanup(): Promise<void> {
  await killAll();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

// Last resort if the test process itself goes away: never leave a child behind.
process.on('exit', () => {
  for (const proc of running) proc.child.kill('SIGKILL');
});
