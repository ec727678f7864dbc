/**
 * The delivery channels serve runs, from [notify] in the configuration: email when an SMTP server is
 * set, IRC when a server is, Matrix when a homeserver and token are, webhooks always. Matrix direct
 * rooms are remembered in the database, so a person keeps one conversation with the bot. A channel that is not configured leaves its notifications queued (the
 * worker says so once in the log) until it is.
 */
import type { NotifyConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import type { StoreDatabase } from '../../store/index.js';
import { DeliveryStore, EmailChannel, IrcChannel, MatrixChannel, WebhookChannel, webhookSecret, type Channel } from '../../notify/index.js';

export function createChannels(config: NotifyConfig, secret: Buffer, database: StoreDatabase, logger: Logger): Channel[] {
  const channels: Channel[] = [];
  if (config.email.smtp_url) channels.push(new EmailChannel({ smtpUrl: config.email.smtp_url, from: config.email.from, logger: logger.child({ channel: 'email' }) }));
  if (config.irc.server) {
    channels.push(new IrcChannel({ server: config.irc.server, nick: config.irc.nick, password: config.irc.password, linesPerSecond: config.irc.lines_per_second, logger: logger.child({ channel: 'irc' }) }));
  }
  if (config.matrix.homeserver && config.matrix.access_token) {
    const delivery = new DeliveryStore(database);
    const rooms = { get: (user: string) => delivery.matrixRoom(user), set: (user: string, room: string) => delivery.setMatrixRoom(user, room) };
    channels.push(new MatrixChannel({ homeserver: config.matrix.homeserver, accessToken: config.matrix.access_token, rooms, logger: logger.child({ channel: 'matrix' }) }));
  }
  channels.push(new WebhookChannel({ timeoutMs: config.webhook.timeout * 1000, secretFor: (id) => webhookSecret(secret, id), logger: logger.child({ channel: 'webhook' }) }));
  return channels;
}
