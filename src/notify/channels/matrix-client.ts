/**
 * The three client-server API calls the notification bot makes, over plain fetch (every Matrix SDK
 * wants Node 22 or native downloads). Failures become MatrixApiError with what the homeserver said
 * (status, errcode, retry_after_ms); deciding what that means for delivery is the channel's job.
 */
import { TidingsError } from '../../message/index.js';

/** A call failed: `status` is null when no answer came (refused, reset, timed out). */
export class MatrixApiError extends TidingsError {
  readonly code = 'NOTIFY_MATRIX_REQUEST_FAILED';
  constructor(
    message: string,
    readonly status: number | null,
    readonly errcode: string | undefined,
    readonly retryAfterMs: number | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

type Json = Record<string, unknown>;

export class MatrixClient {
  private readonly base: string;

  constructor(
    homeserver: string,
    private readonly accessToken: string,
    private readonly timeoutMs: number,
  ) {
    const url = new URL(homeserver);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`notify.matrix.homeserver must be an http(s) URL, not ${JSON.stringify(homeserver)}`);
    this.base = url.href.replace(/\/+$/, '');
  }

  /** PUT …/send/m.room.message/{txnId}: the same txnId again returns the first event id, sending nothing new. */
  async sendMessage(roomId: string, txnId: string, content: Json): Promise<string> {
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`;
    const answer = await this.request('PUT', path, content);
    if (typeof answer['event_id'] !== 'string') throw new MatrixApiError(`the homeserver accepted a message to ${roomId} but returned no event_id`, 200, undefined, undefined);
    return answer['event_id'];
  }

  /** GET …/directory/room/{alias}: the room an alias points to now. */
  async resolveAlias(alias: string): Promise<string> {
    const answer = await this.request('GET', `/_matrix/client/v3/directory/room/${encodeURIComponent(alias)}`);
    if (typeof answer['room_id'] !== 'string') throw new MatrixApiError(`the homeserver resolved ${alias} to no room_id`, 200, undefined, undefined);
    return answer['room_id'];
  }

  /** POST …/createRoom: a private room flagged direct, `userId` invited (trusted: they may invite too). */
  async createDirectRoom(userId: string): Promise<string> {
    const answer = await this.request('POST', '/_matrix/client/v3/createRoom', {
      is_direct: true,
      invite: [userId],
      preset: 'trusted_private_chat',
      name: 'Tidings notifications',
    });
    if (typeof answer['room_id'] !== 'string') throw new MatrixApiError(`the homeserver created a room for ${userId} but returned no room_id`, 200, undefined, undefined);
    return answer['room_id'];
  }

  private async request(method: 'GET' | 'PUT' | 'POST', path: string, body?: Json): Promise<Json> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${this.accessToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      const reason = timedOut ? `no answer within ${this.timeoutMs} ms` : ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
      throw new MatrixApiError(`${method} ${path} on ${this.base}: ${reason}`, null, undefined, undefined, { cause: error });
    }
    const answer = parseJson(await response.text().catch(() => ''));
    if (response.ok) return answer;
    const errcode = typeof answer['errcode'] === 'string' ? answer['errcode'] : undefined;
    const said = typeof answer['error'] === 'string' ? `: ${answer['error'].slice(0, 200)}` : '';
    throw new MatrixApiError(`${method} ${path} on ${this.base} answered ${response.status} ${errcode ?? ''}${said}`.trim(), response.status, errcode, retryAfter(answer, response));
  }
}

function parseJson(text: string): Json {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
  } catch {
    return {};
  }
}

/** retry_after_ms from the body (M_LIMIT_EXCEEDED), else the Retry-After header newer servers send. */
function retryAfter(answer: Json, response: Response): number | undefined {
  const inBody = answer['retry_after_ms'];
  if (typeof inBody === 'number' && Number.isFinite(inBody) && inBody >= 0) return Math.round(inBody);
  const header = response.headers.get('retry-after');
  return header !== null && /^\d+$/.test(header.trim()) ? Number(header.trim()) * 1000 : undefined;
}
