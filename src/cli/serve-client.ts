/**
 * The client side of the archive API, for the CLI: where it is (the serve's http URL), and
 * datagrepper's /v2 answers as messages.
 */
import { ConfigError, type TidingsConfig } from '../config/index.js';
import { ConnectionError } from '../bus/index.js';
import type { Message } from '../message/index.js';

export interface ArchivePage {
  readonly messages: Message[];
  readonly total: number;
  readonly totalIsEstimate: boolean;
  readonly pages: number;
}

/**
 * `tidings serve`'s http URL, where the archive and the trust policy are served: the bus URL, unless
 * that is an AMQP one (then --serve-url or TIDINGS_SERVE_URL).
 */
export function serveUrl(config: TidingsConfig, explicit?: string): string {
  const url = explicit ?? process.env['TIDINGS_SERVE_URL'] ?? config.url;
  if (!/^https?:\/\//.test(url)) {
    throw new ConfigError(
      `this needs tidings serve's http URL, but the bus URL is ${url.split('@').pop()}: give --serve-url http://HOST:PORT (or TIDINGS_SERVE_URL)`,
      '--serve-url',
    );
  }
  return url.replace(/\/+$/, '');
}

export async function fetchArchive(base: string, path: string, params: URLSearchParams): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}?${params}`);
  } catch (error) {
    throw new ConnectionError(`could not reach the archive at ${base} (${(error as Error).message}): is tidings serve running?`, { cause: error });
  }
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status === 400) throw new ConfigError(`the archive refused the query: ${String(json['error'])}`, String(json['argument'] ?? 'query'));
  if (response.status === 404) throw Object.assign(new Error(String(json['error'] ?? 'not found')), { code: 'NOT_FOUND' });
  if (!response.ok) throw new ConnectionError(`the archive at ${base} answered ${response.status}: ${JSON.stringify(json).slice(0, 200)}`);
  return json;
}

export function toMessage(raw: Record<string, unknown>): Message {
  const body = typeof raw['body'] === 'object' && raw['body'] !== null ? (raw['body'] as Message['body']) : {};
  return { id: String(raw['id']), topic: String(raw['topic']), headers: (raw['headers'] as Message['headers']) ?? {}, body };
}

export async function searchArchive(base: string, params: URLSearchParams): Promise<ArchivePage> {
  const json = await fetchArchive(base, '/v2/search', params);
  return {
    messages: ((json['raw_messages'] as Array<Record<string, unknown>>) ?? []).map(toMessage),
    total: Number(json['total'] ?? 0),
    totalIsEstimate: json['total_is_estimate'] === true,
    pages: Number(json['pages'] ?? 0),
  };
}
