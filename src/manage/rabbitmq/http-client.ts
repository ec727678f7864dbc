/**
 * A small client of RabbitMQ's management HTTP API: JSON in and out, Basic auth, a timeout on every
 * request, and the API's failures turned into the manage part's errors with what to do about them.
 */
import { ManageNotFoundError, ManageRefusedError, ManageUnavailableError } from '../errors.js';
import type { ManagementEndpoint } from './settings.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** A path segment (vhost, queue, connection name): `/` in a vhost or name must not split the path. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'DELETE';
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** What the path names, for a 404 ("queue \"x\" in vhost \"/\""). */
  readonly names: string;
}

export class ManagementHttpClient {
  private readonly authorization: string;

  constructor(
    private readonly endpoint: ManagementEndpoint,
    private readonly timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ) {
    this.authorization = `Basic ${Buffer.from(`${endpoint.user}:${endpoint.password}`).toString('base64')}`;
  }

  get baseUrl(): string {
    return this.endpoint.baseUrl;
  }

  get<T>(path: string, names: string): Promise<T> {
    return this.request<T>(path, { names });
  }

  /** Sends the request; resolves with the parsed JSON answer (undefined for an empty one). */
  async request<T>(path: string, options: RequestOptions): Promise<T> {
    const method = options.method ?? 'GET';
    let answer: Response;
    try {
      answer = await fetch(`${this.endpoint.baseUrl}${path}`, {
        method,
        headers: {
          // No `accept`: RabbitMQ answers 406 to one on requests whose answer is empty (DELETE …/contents).
          authorization: this.authorization,
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw this.unreachable(error);
    }
    const text = await answer.text().catch(() => '');
    if (answer.ok) return (text === '' ? undefined : JSON.parse(text)) as T;
    throw this.failure(method, path, options.names, answer.status, reasonOf(text));
  }

  private unreachable(error: unknown): ManageUnavailableError {
    const timedOut = (error as Error | undefined)?.name === 'TimeoutError';
    const detail = timedOut ? `no answer within ${this.timeoutMs} ms` : describe(error);
    return new ManageUnavailableError(
      `RabbitMQ's management API is not reachable at ${this.endpoint.baseUrl} (${detail}): is the management plugin enabled? ` +
        'Enable it with `rabbitmq-plugins enable rabbitmq_management`, or set the management URL.',
      { cause: error },
    );
  }

  private failure(method: string, path: string, names: string, status: number, reason: string): Error {
    const at = `${method} ${this.endpoint.baseUrl}${path}`;
    if (status === 401) {
      return new ManageUnavailableError(
        `RabbitMQ's management API refused user "${this.endpoint.user}" (401 at ${at}): check the user and password ` +
          '(the AMQP URL\'s are used unless the management URL has its own); the user needs the "management" or "monitoring" tag.',
      );
    }
    if (status === 403) {
      return new ManageUnavailableError(
        `RabbitMQ's management API does not let user "${this.endpoint.user}" do this (403 at ${at}: ${reason}): ` +
          'grant it the "administrator" (or "policymaker"/"monitoring") tag and permissions on the vhost.',
      );
    }
    if (status === 404) return new ManageNotFoundError(`${names} does not exist at RabbitMQ (${at})`);
    if (status === 400 || status === 405 || status === 409) return new ManageRefusedError(`RabbitMQ refused ${method} on ${names}: ${reason}`);
    return new ManageUnavailableError(`RabbitMQ's management API failed (${status} at ${at}: ${reason}): see the broker's log.`);
  }
}

/** The API answers errors as `{"error": "...", "reason": "..."}`. */
function reasonOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { reason?: unknown; error?: unknown };
    return String(parsed.reason ?? parsed.error ?? text);
  } catch {
    return text.slice(0, 200) || 'no reason given';
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ?? cause?.message ?? (error as Error | undefined)?.message ?? String(error);
}
