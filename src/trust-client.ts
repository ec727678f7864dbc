/**
 * Fetching `tidings serve`'s trust document (gateway keys, identities, their topic patterns) to
 * verify messages: `bus.consume({ …, verify: (await loadTrust(url)).check }, handler)`.
 *
 * The document is fetched again every `refreshMs` (identities are created and revoked while
 * consumers run); a refresh that fails keeps the last good policy and says so in `lastError`.
 */
import { ConnectionError, TrustPolicy, type MessageVerifier, type TrustDocument } from './bus/index.js';

export const DEFAULT_TRUST_REFRESH_MS = 30_000;

export interface LoadTrustOptions {
  /** How often to fetch the document again; 0 never does. */
  readonly refreshMs?: number;
}

export class TrustClient {
  private policy: TrustPolicy;
  private timer: NodeJS.Timeout | undefined;
  /** Why the last refresh failed, while it keeps failing. */
  lastError: Error | undefined;

  private constructor(
    readonly url: string,
    policy: TrustPolicy,
  ) {
    this.policy = policy;
  }

  static async load(serveUrl: string, options: LoadTrustOptions = {}): Promise<TrustClient> {
    const url = `${serveUrl.replace(/\/+$/, '')}/api/v1/trust`;
    const client = new TrustClient(url, new TrustPolicy(await fetchDocument(url)));
    const refreshMs = options.refreshMs ?? DEFAULT_TRUST_REFRESH_MS;
    if (refreshMs > 0) {
      client.timer = setInterval(() => void client.refresh().catch(() => undefined), refreshMs);
      // A consumer's life is its subscription's, not this timer's.
      client.timer.unref();
    }
    return client;
  }

  /** Why `message` is not to be trusted, or null; always against the latest policy fetched. */
  readonly check: MessageVerifier = (message) => this.policy.check(message);

  async refresh(): Promise<void> {
    try {
      this.policy = new TrustPolicy(await fetchDocument(this.url));
      this.lastError = undefined;
    } catch (error) {
      this.lastError = error as Error;
      throw error;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

export function loadTrust(serveUrl: string, options?: LoadTrustOptions): Promise<TrustClient> {
  return TrustClient.load(serveUrl, options);
}

async function fetchDocument(url: string): Promise<TrustDocument> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new ConnectionError(`could not fetch the trust policy from ${url} (${(error as Error).message}): is tidings serve running there?`, { cause: error });
  }
  if (!response.ok) throw new ConnectionError(`${url} answered ${response.status}: cannot verify messages without the trust policy`);
  return (await response.json()) as TrustDocument;
}
