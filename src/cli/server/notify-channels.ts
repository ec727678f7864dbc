/**
 * The delivery channels serve runs, from [notify] in the configuration: email when an SMTP server is
 * set, IRC when a server is, webhooks always. A channel that is not configured leaves its notifications queued (the
 * worker says so once in the log) until it is.
 */
import type { NotifyConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import { EmailChannel, IrcChannel, WebhookChannel, webhookSecret, type Channel } from '../../notify/index.js';

export function createChannels(config: NotifyConfig, secret: Buffer, logger: Logger): Channel[] {
  const channels: Channel[] = [];
  if (config.email.smtp_url) channels.push(new EmailChannel({ smtpUrl: config.email.smtp_url, from: config.email.from, logger: logger.child({ channel: 'email' }) }));
  if (config.irc.server) {
    channels.push(new IrcChannel({ server: config.irc.server, nick: config.irc.nick, password: config.irc.password, linesPerSecond: config.irc.lines_per_second, logger: logger.child({ channel: 'irc' }) }));
  }
  channels.push(new WebhookChannel({ timeoutMs: config.webhook.timeout * 1000, secretFor: (id) => webhookSecret(secret, id), logger: logger.child({ channel: 'webhook' }) }));
  return channels;
}
