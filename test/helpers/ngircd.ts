/**
 * A real IRC server for tests: Debian's ngircd (`apt-get install ngircd`, or NGIRCD=/path/to/ngircd
 * for one unpacked with `dpkg -x`), on a free 127.0.0.1 port, configured for tests: no PAM, ident
 * or DNS lookups (each would delay every registration), any number of connections from one address,
 * no flood penalty (the channel's own rate limit is tested apart). And IRC clients to receive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import irc from 'irc-framework';

const NGIRCD = process.env['NGIRCD'] ?? (existsSync('/usr/sbin/ngircd') ? '/usr/sbin/ngircd' : 'ngircd');
const START_TIMEOUT_MS = 10_000;

export interface Ngircd {
  readonly port: number;
  /** `irc://127.0.0.1:PORT`, what IrcChannel takes. */
  readonly url: string;
  /** Running now. */
  readonly running: boolean;
  /** SIGTERM (a clean shutdown) or SIGKILL (a crash); resolves once it exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  /** What it printed (for failure messages). */
  output(): string;
  /** Stops it and removes its files. */
  dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

function config(port: number, password: string | undefined): string {
  return [
    '[Global]',
    'Name = irc.tidings.test',
    'Info = Tidings test server',
    'AdminInfo1 = Tidings tests',
    'AdminInfo2 = 127.0.0.1',
    'AdminEMail = tests@tidings.test',
    'Listen = 127.0.0.1',
    `Ports = ${port}`,
    'MotdPhrase = Tidings test server',
    ...(password === undefined ? [] : [`Password = ${password}`]),
    '[Limits]',
    'MaxConnectionsIP = 0',
    'MaxNickLength = 9',
    'MaxPenaltyTime = 0',
    'PingTimeout = 120',
    'PongTimeout = 20',
    '[Options]',
    'DNS = no',
    'Ident = no',
    'PAM = no',
    '',
  ].join('\n');
}

/** One connection attempt: true when the port accepted it. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startNgircd(options: { password?: string } = {}): Promise<Ngircd> {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-ngircd-'));
  const port = await freePort();
  const file = join(dir, 'ngircd.conf');
  writeFileSync(file, config(port, options.password), { mode: 0o644 });
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const start = async (): Promise<void> => {
    const proc = spawn(NGIRCD, ['--nodaemon', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let gone = false;
    let spawnError: Error | undefined;
    proc.on('error', (error) => (spawnError = error));
    exited = new Promise((resolve) => proc.on('close', () => ((gone = true), resolve())));
    for (const stream of [proc.stdout, proc.stderr]) stream.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await accepts(port))) {
      if (gone || spawnError) {
        throw new Error(`ngircd (${NGIRCD}) did not start: ${spawnError?.message ?? 'it exited'}; install it (apt-get install ngircd) or set NGIRCD\n${output}`);
      }
      if (Date.now() > deadline) throw new Error(`ngircd did not accept connections on ${port} within ${START_TIMEOUT_MS} ms\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20)); // polling interval, not synchronisation
    }
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    const late = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(late);
  };

  await start();
  return {
    port,
    url: `irc://127.0.0.1:${port}`,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    stop,
    restart: start,
    output: () => output,
    async dispose() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface IrcReceiver {
  readonly nick: string;
  /** PRIVMSGs received so far, in order. */
  readonly messages: ReadonlyArray<{ readonly from: string; readonly text: string }>;
  /** Resolves once `count` messages in all have arrived; fails loudly after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReadonlyArray<{ readonly from: string; readonly text: string }>>;
  close(): Promise<void>;
}

/** A recipient connected and registered (a PRIVMSG to a nick not yet registered is dropped). */
export async function connectReceiver(port: number, nick: string, options: { password?: string; timeoutMs?: number } = {}): Promise<IrcReceiver> {
  const client = new irc.Client();
  const messages: Array<{ from: string; text: string }> = [];
  const watchers = new Set<() => void>();
  client.on('privmsg', (event) => {
    messages.push({ from: event.nick, text: event.message });
    for (const watcher of [...watchers]) watcher();
  });
  const timeoutMs = options.timeoutMs ?? 10_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${nick} did not register on 127.0.0.1:${port} within ${timeoutMs} ms`)), timeoutMs);
    client.once('registered', () => {
      clearTimeout(timer);
      resolve();
    });
    client.connect({ host: '127.0.0.1', port, nick, username: nick, auto_reconnect: false, ...(options.password ? { password: options.password } : {}) });
  });
  return {
    nick,
    messages,
    waitForMessages(count, waitMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (messages.length < count) return;
          watchers.delete(check);
          clearTimeout(timer);
          resolve([...messages]);
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`${nick} got ${messages.length} of ${count} messages within ${waitMs} ms: ${JSON.stringify(messages)}`));
        }, waitMs);
        watchers.add(check);
        check();
      });
    },
    async close() {
      if (!client.connected) return;
      await new Promise<void>((resolve) => {
        client.once('close', () => resolve());
        client.quit('bye');
      });
    },
  };
}
