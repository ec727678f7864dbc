/**
 * IRC addresses: the configured server (`irc://host:port`, `ircs://host:port`) and a destination
 * (`ircs://irc.libera.chat/jsmith`: a nick on a server). Parsed by hand rather than with URL: nicks
 * may hold `[]\`^{|}`, which URL would percent-encode or refuse.
 */
import { DeliveryError } from '../errors.js';

export interface IrcServer {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** RFC 2812 nick characters (the destination check in validate.ts allows the same). */
const NICK = /^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]*$/;
const ADDRESS = /^(ircs?):\/\/([A-Za-z0-9.-]+)(?::(\d{1,5}))?(?:\/(.*))?$/i;

/** The configured server; throws a plain Error naming the setting when it is not one. */
export function parseIrcServer(server: string): IrcServer {
  const match = ADDRESS.exec(server.trim());
  if (!match || (match[4] !== undefined && match[4] !== '')) {
    throw new Error(`notify.irc.server must be irc://HOST[:PORT] or ircs://HOST[:PORT], not ${JSON.stringify(server)}`);
  }
  const tls = match[1]!.toLowerCase() === 'ircs';
  return { host: match[2]!.toLowerCase(), port: match[3] ? Number(match[3]) : tls ? 6697 : 6667, tls };
}

/**
 * The nick a destination names, once its server is the one this Tidings is connected to: the same
 * host, whatever the scheme or port (one network, one connection). Refusals are permanent.
 */
export function recipientNick(address: string, server: IrcServer): string {
  const match = ADDRESS.exec(address);
  const nick = match?.[4];
  if (!match || nick === undefined || !NICK.test(nick)) {
    throw new DeliveryError(`${JSON.stringify(address)} is not an IRC destination (irc://server/nick)`, { permanent: true });
  }
  if (match[2]!.toLowerCase() !== server.host) {
    throw new DeliveryError(`this Tidings sends IRC on ${server.host} only, not on ${match[2]}: change the destination`, { permanent: true });
  }
  return nick;
}
