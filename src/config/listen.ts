import { isIPv6 } from 'node:net';
import { ConfigError } from './errors.js';

export interface ListenAddress {
  /** An IPv6 host comes back without its brackets ("::1"), as `server.listen` wants it. */
  host: string;
  port: number;
}

const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const PORT = /^\d{1,5}$/;
const EXAMPLE = 'e.g. "127.0.0.1:8780", "0.0.0.0:80" or "[::1]:8780"';

/** Parses serve.listen: "HOST:PORT", with an IPv6 host in brackets. Port 0 picks a free port. */
export function parseListen(value: string): ListenAddress {
  const fail = (problem: string): never => {
    throw new ConfigError(
      `"serve.listen" ${problem} (got ${JSON.stringify(value)}): write HOST:PORT, ${EXAMPLE}`,
      'serve.listen',
    );
  };
  const colon = value.lastIndexOf(':');
  if (colon < 0) return fail('has no port');
  const rawHost = value.slice(0, colon);
  const rawPort = value.slice(colon + 1);

  let host: string;
  if (rawHost.startsWith('[') && rawHost.endsWith(']')) {
    host = rawHost.slice(1, -1);
    if (!isIPv6(host)) return fail(`has "${host}" in brackets, which is not an IPv6 address`);
  } else {
    host = rawHost;
    if (host === '') return fail('has no host');
    if (host.includes(':')) return fail('has an IPv6 host without brackets');
    if (!HOSTNAME.test(host)) return fail(`has "${host}" as host, which is not a host name or address`);
  }

  if (!PORT.test(rawPort)) return fail(rawPort === '' ? 'has no port' : 'has a port that is not a number');
  const port = Number(rawPort);
  if (port > 65535) return fail('has a port over 65535');
  return { host, port };
}

export function isListenAddress(value: string): boolean {
  try {
    parseListen(value);
    return true;
  } catch {
    return false;
  }
}
