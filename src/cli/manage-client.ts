/**
 * The CLI's side of serve's management API: where serve is (as for the archive), the caller's token
 * (TIDINGS_TOKEN, never a flag: flags show in `ps`), and each refusal turned into the error class
 * whose exit code says what happened.
 */
import { ConnectionError } from '../bus/index.js';
import { ManageForbiddenError, ManageNotFoundError, ManageRefusedError, ManageUnavailableError } from '../manage/index.js';
import { ConfigError } from '../config/index.js';

export class ManageClient {
  constructor(
    readonly base: string,
    private readonly token = process.env['TIDINGS_TOKEN'],
  ) {}

  async get<T>(path: string, params?: URLSearchParams): Promise<T> {
    const response = await this.request('GET', `${path}${params && [...params].length ? `?${params}` : ''}`);
    return (await response.json()) as T;
  }

  /** The raw text of an answer (JSON Lines, Prometheus text). */
  async text(path: string, params?: URLSearchParams): Promise<string> {
    const response = await this.request('GET', `${path}${params && [...params].length ? `?${params}` : ''}`);
    return response.text();
  }

  async send<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await this.request(method, path, body);
    return (await response.json()) as T;
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(60_000) });
    } catch (error) {
      throw new ConnectionError(`could not reach tidings serve at ${this.base} (${(error as Error).message}): is it running? (--serve-url, TIDINGS_SERVE_URL)`, { cause: error });
    }
    if (response.ok) return response;
    const json = (await response.json().catch(() => ({}))) as { error?: string };
    const message = json.error ?? `${method} ${path} answered ${response.status}`;
    switch (response.status) {
      case 400:
        throw new ConfigError(message, 'arguments');
      case 401:
      case 403:
        throw new ManageForbiddenError(this.token ? message : `${message} (set TIDINGS_TOKEN to an operator's token)`);
      case 404:
        throw new ManageNotFoundError(message);
      case 409:
        throw new ManageRefusedError(message);
      case 503:
        throw new ManageUnavailableError(message);
      default:
        throw new ConnectionError(`tidings serve at ${this.base} answered ${response.status}: ${message}`);
    }
  }
}
