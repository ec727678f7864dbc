/**
 * One connection to the IRC server, kept up: it registers (PASS, and SASL when the server offers
 * it), tells its owner when it is registered or lost, and reconnects with a doubling, jittered
 * delay. irc-framework's own reconnection is off: it gives up after a few tries and does not
 * reconnect after a failure soon after registering, and a notifier must ride out long outages.
 */
import irc from 'irc-framework';
import type { Logger } from 'pino';
import { silentLogger } from '../../log/index.js';
import type { IrcServer } from './irc-address.js';
import type { LineWriter } from './irc-send-queue.js';

export interface IrcConnectionOptions {
  readonly server: IrcServer;
  readonly nick: string;
  readonly password: string | null;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly logger?: Logger;
  /** Registered: lines may flow. */
  readonly onReady: () => void;
  /** Lost (or never made): lines wait. */
  readonly onDown: () => void;
}

/** How long close() waits for the server to take our QUIT before dropping the socket. */
const QUIT_WAIT_MS = 2_000;

export class IrcConnection implements LineWriter {
  private readonly client = new irc.Client();
  private readonly logger: Logger;
  private registered = false;
  private closing = false;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: IrcConnectionOptions) {
    this.logger = (options.logger ?? silentLogger()).child({ irc: `${options.server.host}:${options.server.port}` });
    this.client.on('registered', (event) => {
      this.registered = true;
      this.attempts = 0;
      this.logger.info({ nick: event.nick }, 'registered with the IRC server');
      this.options.onReady();
    });
    // With irc-framework's reconnection off, 'close' follows every lost or failed connection.
    this.client.on('close', (error) => this.lost(error));
    this.client.on('nick in use', (event) => {
      // Keep the configured nick rather than take another: recipients know the notifier by it. The
      // holder is usually our own connection that the server has not noticed is gone yet.
      this.logger.warn({ nick: event.nick }, 'the IRC nick is in use; trying again later');
      this.client.quit('nick in use');
    });
    this.client.on('irc error', (event) => {
      // no_such_nick: the recipient is not online. The server says so after the line was taken;
      // the line is lost, as a PRIVMSG to someone offline always is.
      this.logger.warn({ error: event.error, reason: event.reason, nick: event.nick }, 'the IRC server reported an error');
    });
  }

  get ready(): boolean {
    return this.registered && this.client.connected && !this.closing;
  }

  start(): void {
    this.connect();
  }

  write(line: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!this.ready) return reject(new Error('not registered with the IRC server'));
      const handed = this.client.connection.write(line, (error) => {
        if (error) reject(error);
        else if (this.client.connected) resolve();
        else reject(new Error('the IRC connection closed while writing'));
      });
      if (handed === false) reject(new Error('the IRC connection is closed'));
    });
  }

  /** QUIT, waiting a little for the server to close; no reconnection after it. */
  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    if (!this.client.connected) {
      this.client.connection.end();
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.client.connection.end(null, true);
        resolve();
      }, QUIT_WAIT_MS);
      this.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.quit('Tidings is stopping');
    });
  }

  private connect(): void {
    const { server, nick, password } = this.options;
    this.client.connect({
      host: server.host,
      port: server.port,
      tls: server.tls,
      rejectUnauthorized: true,
      nick,
      username: nick,
      gecos: 'Tidings notifications',
      ...(password === null ? {} : { password, account: { account: nick, password } }),
      encoding: 'utf8',
      auto_reconnect: false,
      ping_interval: 30,
      ping_timeout: 120,
      version: null,
    });
  }

  private lost(error: unknown): void {
    const wasRegistered = this.registered;
    this.registered = false;
    this.options.onDown();
    if (this.closing) return;
    const exponential = Math.min(this.options.reconnectMaxMs, this.options.reconnectMinMs * 2 ** Math.min(this.attempts, 20));
    const delay = Math.round(exponential * (0.5 + Math.random() * 0.5));
    this.attempts += 1;
    const log = { attempt: this.attempts, retryInMs: delay, ...(error ? { reason: String(error) } : {}) };
    if (wasRegistered) this.logger.warn(log, 'lost the IRC connection; reconnecting');
    else this.logger.info(log, 'could not connect to the IRC server; trying again');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }
}
