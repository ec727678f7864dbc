/** amqplib's failures as Tidings errors, by AMQP reply code, with what to do about them. */
import type { TidingsError } from '../../message/index.js';
import {
  ConnectionError,
  DeclareError,
  NotFoundError,
  PermissionDeniedError,
  ResourceLockedError,
} from '../../bus/index.js';

/** The reply code of an AMQP channel or connection error (404 NOT_FOUND, 405 RESOURCE_LOCKED…). */
export function replyCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The broker's own words, without amqplib's "Operation failed: …" framing. */
function brokerText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /with message "([^"]*)"/.exec(message);
  return quoted?.[1] ?? message;
}

/** Maps an error from a declare, bind or consume to the Tidings error for that condition. */
export function fromAmqpError(error: unknown, doing: string): TidingsError {
  const code = replyCode(error);
  const text = brokerText(error);
  switch (code) {
    case 404:
      return new NotFoundError(`${doing}: ${text}`, { cause: error });
    case 405:
      return new ResourceLockedError(`${doing}: ${text}`, { cause: error });
    case 403:
      return new PermissionDeniedError(`${doing}: ${text} (check the user's permissions on this vhost)`, { cause: error });
    case 406:
      return new DeclareError(`${doing}: ${text} (an existing queue or exchange has other settings)`, { cause: error });
    default:
      return new DeclareError(`${doing}: ${text}`, { cause: error });
  }
}

export function connectionFailure(address: string, error: unknown): ConnectionError {
  const text = brokerText(error);
  const advice = /ACCESS.REFUSED|403/.test(text)
    ? 'check the user name and password in the URL'
    : 'is RabbitMQ running and reachable there?';
  return new ConnectionError(`could not connect to RabbitMQ at ${address} (${text}): ${advice}`, { cause: error });
}
