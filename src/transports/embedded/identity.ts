/**
 * Who is on the other end of a connection, as AMQP clients tell RabbitMQ in their connection
 * properties: which service, on which host, which process, with which library.
 */
import { createRequire } from 'node:module';
import { hostname } from 'node:os';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

/** Tidings' own version, which the embedded broker reports as its own. */
export const TIDINGS_VERSION = version;

export interface ConnectionIdentity {
  readonly service: string | null;
  readonly host: string | null;
  readonly pid: number | null;
  readonly library: string | null;
  readonly libraryVersion: string | null;
  readonly platform: string | null;
}

/** This process, as an in-process connection (or a hub client) describes itself. */
export function processIdentity(service: string, library = 'tidings (embedded)'): ConnectionIdentity {
  return {
    service,
    host: hostname(),
    pid: process.pid,
    library,
    libraryVersion: version,
    platform: `Node.js ${process.version}`,
  };
}

const MAX_FIELD_LENGTH = 200;

/**
 * An identity another process claims (a hub client's hello): fields of the wrong type or absent
 * become null, text is cut short, so nothing it sends can break the operators' view.
 */
export function identityFrom(claimed: unknown, fallbackService: string | null): ConnectionIdentity {
  const fields = typeof claimed === 'object' && claimed !== null ? (claimed as Record<string, unknown>) : {};
  const text = (value: unknown): string | null =>
    typeof value === 'string' && value !== '' ? value.slice(0, MAX_FIELD_LENGTH) : null;
  const pid = fields['pid'];
  return {
    service: text(fields['service']) ?? fallbackService,
    host: text(fields['host']),
    pid: typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0 ? pid : null,
    library: text(fields['library']),
    libraryVersion: text(fields['libraryVersion']),
    platform: text(fields['platform']),
  };
}
