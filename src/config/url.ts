/**
 * Bus URLs: which schemes Tidings speaks, and how to print one without leaking its password.
 */

const BUS_PROTOCOLS = new Set(['http:', 'https:', 'amqp:', 'amqps:']);
const AMQP_PROTOCOLS = new Set(['amqp:', 'amqps:']);

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** http(s)://host[:port] (a `tidings serve` hub) or amqp(s)://… (a broker). */
export function isBusUrl(value: string): boolean {
  const url = parseUrl(value);
  if (url === null || !BUS_PROTOCOLS.has(url.protocol)) return false;
  return AMQP_PROTOCOLS.has(url.protocol) || url.hostname !== '';
}

/** amqp(s)://…; like pika, the host may be left out ("amqp://" is localhost). */
export function isAmqpUrl(value: string): boolean {
  const url = parseUrl(value);
  return url !== null && AMQP_PROTOCOLS.has(url.protocol);
}

/**
 * Replaces the password of a URL with `***` (`amqp://user:***@host/`), for logs and error messages.
 * Works on the text rather than through `URL` so that the rest of the URL is printed as written.
 */
export function maskUrl(url: string): string {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 0) return url;
  const authorityStart = schemeEnd + 3;
  const rest = url.slice(authorityStart);
  const authorityLength = rest.search(/[/?#]/);
  const authority = authorityLength < 0 ? rest : rest.slice(0, authorityLength);
  // A password may contain an unescaped '@'; the host never does, so the last '@' ends userinfo.
  const at = authority.lastIndexOf('@');
  if (at < 0) return url;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0 || colon === userinfo.length - 1) return url;
  const masked = `${userinfo.slice(0, colon)}:***${authority.slice(at)}`;
  return url.slice(0, authorityStart) + masked + rest.slice(authority.length);
}
