/**
 * Webhooks: each job is one HTTPS POST of JSON, signed so that the receiver can tell it came from
 * this Tidings and is not a replay.
 *
 * What a receiver gets:
 *   POST <destination URL>
 *   Content-Type: application/json
 *   X-Tidings-Delivery: <job id>          the same on every retry of one job (deduplicate on it)
 *   X-Tidings-Timestamp: <unix seconds>
 *   X-Tidings-Signature: sha256=<hex>     HMAC-SHA256 of "<timestamp>.<raw body>" with the
 *                                         destination's secret (shown to its owner in the settings)
 *   {"id": …, "type": "notification", "notification": {…}}
 *   {"id": …, "type": "digest", "since": …, "until": …, "notifications": [{…}, …]}
 *   {"id": …, "type": "verification", "code": "…"}
 * To verify: recompute the HMAC over the timestamp, a dot and the body bytes as received, compare in
 * constant time, and refuse timestamps more than a few minutes old.
 *
 * The answer decides what delivery does next: 2xx delivered; 429 and 5xx, timeouts and refused
 * connections are tried again (honouring Retry-After); other 4xx and any redirect are refusals the
 * owner must fix (redirects are not followed: a signed request is for the URL its owner gave).
 */
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Channel, DeliveryJob } from '../delivery/types.js';
import { DeliveryError } from '../errors.js';

export interface WebhookChannelOptions {
  readonly timeoutMs: number;
  /** The signing secret of a destination (webhookSecret(serverSecret, id)). */
  readonly secretFor: (destinationId: string) => string;
  readonly logger?: Logger;
}

/** The JSON body of a job. */
export function webhookBody(job: DeliveryJob): Record<string, unknown> {
  switch (job.kind) {
    case 'notification':
      return { id: job.id, type: 'notification', notification: job.notification };
    case 'digest':
      return { id: job.id, type: 'digest', since: job.since, until: job.until, notifications: job.notifications };
    case 'verification':
      return { id: job.id, type: 'verification', code: job.code, verify_url: job.links.verify(job.destination.id, job.code) };
  }
}

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export class WebhookChannel implements Channel {
  readonly kind = 'webhook' as const;

  constructor(private readonly options: WebhookChannelOptions) {}

  async send(job: DeliveryJob): Promise<void> {
    const url = job.destination.address;
    const body = JSON.stringify(webhookBody(job));
    const timestamp = String(Math.floor(Date.now() / 1000));
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Tidings-Webhook/1',
          'X-Tidings-Delivery': job.id,
          'X-Tidings-Timestamp': timestamp,
          'X-Tidings-Signature': webhookSignature(this.options.secretFor(job.destination.id), timestamp, body),
        },
        body,
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new DeliveryError(`webhook ${url}: no answer (${cause})`, { cause: error });
    }
    // The body is not needed; reading it frees the connection for reuse.
    await response.arrayBuffer().catch(() => undefined);
    const status = response.status;
    if (status >= 200 && status < 300) return;
    if (status === 429 || status === 408 || status >= 500) {
      const wait = retryAfterMs(response.headers.get('retry-after'));
      throw new DeliveryError(`webhook ${url}: answered ${status}; trying again later`, wait === undefined ? {} : { retryAfterMs: wait });
    }
    const hint = status >= 300 && status < 400 ? `a redirect to ${response.headers.get('location') ?? 'elsewhere'}: give the final URL` : 'the receiver refused it';
    throw new DeliveryError(`webhook ${url}: answered ${status} (${hint})`, { permanent: true });
  }

  async close(): Promise<void> {}
}
