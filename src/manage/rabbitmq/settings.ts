/**
 * Where the management API is and which vhost to show, derived from the AMQP URL an operator already
 * configured: the same host on port 15672, the same user and password. Pure, so it is tested alone.
 */
import { ConfigurationError } from '../../bus/index.js';

/** RabbitMQ's default `consumer_timeout` (30 minutes) when neither the queue nor the caller says. */
export const RABBITMQ_DEFAULT_CONSUMER_TIMEOUT_MS = 1_800_000;
export const MANAGEMENT_PORT = 15672;

export interface ManagementEndpoint {
  /** The API's origin and path prefix without credentials, e.g. `http://127.0.0.1:15672`. */
  readonly baseUrl: string;
  readonly user: string;
  readonly password: string;
  readonly vhost: string;
}

function parse(url: string, what: string): URL {
  try {
    return new URL(url);
  } catch (error) {
    throw new ConfigurationError(`the ${what} "${url}" is not a URL`, { cause: error });
  }
}

/** The vhost an AMQP URL names: its path, decoded; `/` when the path is empty (as amqplib reads it). */
export function vhostOfAmqpUrl(amqpUrl: string): string {
  const path = parse(amqpUrl, 'AMQP URL').pathname;
  return path === '' || path === '/' ? '/' : decodeURIComponent(path.slice(1));
}

export function managementEndpoint(amqpUrl: string, managementUrl?: string, vhost?: string): ManagementEndpoint {
  const amqp = parse(amqpUrl, 'AMQP URL');
  const amqpUser = amqp.username ? decodeURIComponent(amqp.username) : 'guest';
  const amqpPassword = amqp.password ? decodeURIComponent(amqp.password) : 'guest';
  const management = managementUrl ? parse(managementUrl, 'management URL') : null;
  const baseUrl = management
    ? `${management.origin}${management.pathname.replace(/\/+$/, '')}`
    : `http://${amqp.hostname}:${MANAGEMENT_PORT}` // an IPv6 hostname keeps its brackets;
  return {
    baseUrl,
    // Credentials in the management URL win; else the AMQP user is usually a management user too.
    user: management?.username ? decodeURIComponent(management.username) : amqpUser,
    password: management?.password ? decodeURIComponent(management.password) : amqpPassword,
    vhost: vhost ?? vhostOfAmqpUrl(amqpUrl),
  };
}
