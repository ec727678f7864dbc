/**
 * IRC: each job becomes a few PRIVMSG lines to the destination's nick, over one connection to the
 * configured server, at the rate the server tolerates. A send resolves once its lines were written
 * while registered; IRC has no delivery receipt (a recipient who is offline never sees them).
 * While the server is away a send waits, up to `waitMs`, then fails transiently: delivery tries
 * the job again later, so nothing is lost to an outage.
 */
import type { Logger } from 'pino';
import type { Channel, DeliveryJob } from '../delivery/types.js';
import { parseIrcServer, recipientNick, type IrcServer } from './irc-address.js';
import { IrcConnection } from './irc-connection.js';
import { IrcSendQueue } from './irc-send-queue.js';
import { ircLines } from './irc-text.js';

export interface IrcChannelOptions {
  /** `irc://host[:port]` or `ircs://host[:port]` (TLS, certificate checked). */
  readonly server: string;
  /** At most 9 characters on servers that follow RFC 2812 (ngircd's default). */
  readonly nick: string;
  /** Sent as the server password (PASS) and, where the server offers SASL, as the account's. */
  readonly password?: string | null;
  /** Lines a second at most (notify.irc.lines_per_second); default 2. */
  readonly linesPerSecond?: number;
  /** Lines that may go at once before the rate applies; default 4. */
  readonly burst?: number;
  /** How long a send waits for a connection before failing transiently; default 30 s. */
  readonly waitMs?: number;
  /** Notifications a digest lists before "and K more"; default 10. */
  readonly digestLines?: number;
  /** The first reconnection delay, doubling up to reconnectMaxMs; defaults 1 s and 5 min. */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  readonly logger?: Logger;
}

export class IrcChannel implements Channel {
  readonly kind = 'irc' as const;
  private readonly server: IrcServer;
  private readonly connection: IrcConnection;
  private readonly queue: IrcSendQueue;
  private readonly digestLines: number;

  /** Connects at once (in the background); sends wait for the registration. */
  constructor(private readonly options: IrcChannelOptions) {
    this.server = parseIrcServer(options.server);
    this.digestLines = options.digestLines ?? 10;
    this.connection = new IrcConnection({
      server: this.server,
      nick: options.nick,
      password: options.password ?? null,
      reconnectMinMs: options.reconnectMinMs ?? 1_000,
      reconnectMaxMs: options.reconnectMaxMs ?? 5 * 60_000,
      ...(options.logger ? { logger: options.logger } : {}),
      onReady: () => this.queue.connected(),
      onDown: () => this.queue.disconnected(),
    });
    this.queue = new IrcSendQueue(this.connection, {
      linesPerSecond: options.linesPerSecond ?? 2,
      burst: options.burst ?? 4,
      waitMs: options.waitMs ?? 30_000,
      server: `${this.server.tls ? 'ircs' : 'irc'}://${this.server.host}:${this.server.port}`,
    });
    this.connection.start();
  }

  /** Registered with the server now. */
  get connected(): boolean {
    return this.connection.ready;
  }

  async send(job: DeliveryJob): Promise<void> {
    const target = recipientNick(job.destination.address, this.server);
    const lines = ircLines(job, { ownNick: this.options.nick, target, digestLines: this.digestLines });
    await this.queue.send(lines.map((text) => `PRIVMSG ${target} :${text}`));
  }

  /** Fails what still waits (transiently: it is sent again after a restart) and QUITs. */
  async close(): Promise<void> {
    this.queue.close();
    await this.connection.close();
  }
}
