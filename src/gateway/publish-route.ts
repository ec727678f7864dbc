/**
 * `POST /api/v1/messages`: publishing from any language with one HTTP call. A bearer token names the
 * identity; the identity's topic patterns decide what it may publish; the message is checked as any
 * publish is, stamped with the identity, signed (by the gateway, or verified when the identity signs
 * itself), and answered 202 only once the bus has confirmed it.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  checkSignature,
  parseSentAt,
  signMessage,
  SignatureHeader,
  Header,
  type Headers,
  type Message,
  type MessageInit,
} from '../message/index.js';
import type { Identity, SigningKey } from '../store/index.js';
import type { TrustDocument } from '../bus/index.js';
import type { Authenticator } from './authenticate.js';
import { jsonDepth } from './json-limits.js';
import { RateLimiter } from './rate-limit.js';
import type { TopicPolicy } from './topic-policy.js';

export interface PublishRouteOptions {
  readonly authenticator: Authenticator;
  readonly signingKey: SigningKey;
  /** Builds and checks a message as the bus would (raw topic: no prefix added). */
  prepare(init: MessageInit): Message;
  /** Publishes; resolves once the bus has confirmed. */
  send(message: Message): Promise<void>;
  readonly ratePerMinute: number;
  readonly maxDepth: number;
  /** Largest request body, in bytes (a batch counts whole). */
  readonly bodyLimit: number;
  /** Which topics each identity may publish (shared with the hub). */
  readonly topicPolicy: TopicPolicy;
  /** Public keys and topic patterns, for consumers that verify (GET /api/v1/trust). */
  trust(): Promise<TrustDocument>;
}

/** How long a self-signed message may travel, and how long its id is remembered against replays. */
const FRESH_FOR_MS = 5 * 60_000;
const MAX_REMEMBERED = 200_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const STATUS_BY_CODE: Record<string, number> = {
  MESSAGE_INVALID: 400,
  MESSAGE_MALFORMED: 400,
  TOPIC_INVALID: 400,
  MESSAGE_TOO_LARGE: 413,
  PUBLISH_TIMEOUT: 504,
  PUBLISH_REJECTED: 503,
  PUBLISH_UNROUTABLE: 503,
  CONNECTION_FAILED: 503,
  BUS_CLOSED: 503,
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function registerPublishRoute(app: FastifyInstance, options: PublishRouteOptions): void {
  const limiter = new RateLimiter();
  const seenSignedIds = new Map<string, number>();
  const allows = (identity: Identity, topic: string): boolean => options.topicPolicy.allows(identity, topic);

  const keyOf = (identity: Identity): KeyObject | undefined => (identity.publicKey ? createPublicKey(identity.publicKey) : undefined);

  for (const type of ['application/x-ndjson', 'application/jsonl', 'application/jsonlines']) {
    app.addContentTypeParser(type, { parseAs: 'string', bodyLimit: options.bodyLimit }, (_request, body, done) => done(null, body));
  }

  /** The items of a request: one JSON object, or JSON Lines. */
  const itemsOf = (request: FastifyRequest): unknown[] => {
    if (typeof request.body !== 'string') return [request.body];
    const items: unknown[] = [];
    let line = 0;
    for (const text of request.body.split('\n')) {
      line++;
      if (text.trim() === '') continue;
      try {
        items.push(JSON.parse(text));
      } catch (error) {
        throw new HttpError(400, `line ${line} is not JSON: ${(error as Error).message}`);
      }
    }
    if (items.length === 0) throw new HttpError(400, 'the request holds no message');
    return items;
  };

  const messageOf = (identity: Identity, item: unknown, index: number): Message => {
    const where = index > 0 ? ` (message ${index + 1})` : '';
    if (!isObject(item)) throw new HttpError(400, `a message must be a JSON object {topic, body, headers?, id?, schema?}${where}`);
    if (jsonDepth(item, options.maxDepth + 1) > options.maxDepth) {
      throw new HttpError(400, `the message is nested deeper than ${options.maxDepth} levels${where}`);
    }
    const { topic, body, headers, id, schema } = item;
    if (typeof topic !== 'string') throw new HttpError(400, `"topic" must be a string${where}`);
    if (headers !== undefined && !isObject(headers)) throw new HttpError(400, `"headers" must be an object${where}`);
    if (!allows(identity, topic)) {
      throw new HttpError(403, `identity "${identity.name}" may not publish "${topic.slice(0, 200)}"${where}: it may publish ${identity.topics.join(', ')}`);
    }
    const given = (headers ?? {}) as Headers;
    const selfSigned = identity.publicKey !== null && typeof given[SignatureHeader.signature] === 'string';
    // The identity header is the gateway's word, never the publisher's; so is a signature, unless the
    // identity signs its own messages with a key it registered.
    const cleaned: Headers = {};
    for (const [name, value] of Object.entries(given)) {
      if (name.startsWith('x-tidings-') && !(selfSigned && (name === SignatureHeader.signature || name === SignatureHeader.keyId))) continue;
      cleaned[name] = value;
    }
    cleaned[SignatureHeader.identity] = identity.name;
    let message: Message;
    try {
      message = options.prepare({
        topic,
        body: body as MessageInit['body'],
        headers: cleaned,
        ...(typeof id === 'string' ? { id } : id !== undefined ? { id: id as string } : {}),
        ...(typeof schema === 'string' ? { schema } : {}),
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      throw new HttpError(STATUS_BY_CODE[code] ?? 400, `${(error as Error).message}${where}`, 'issues' in (error as object) ? { issues: (error as { issues: unknown }).issues } : {});
    }
    if (!selfSigned) return { ...message, headers: signMessage(message, options.signingKey.privateKey, options.signingKey.keyId) };
    const check = checkSignature(message, () => keyOf(identity));
    if (!check.valid) throw new HttpError(403, `the signature of identity "${identity.name}" does not hold: ${check.reason}${where}`);
    const sentAt = parseSentAt(message.headers[Header.sentAt])?.getTime() ?? 0;
    if (Math.abs(Date.now() - sentAt) > FRESH_FOR_MS) {
      throw new HttpError(409, `a signed message must be sent within ${FRESH_FOR_MS / 60_000} minutes of its sent-at; this one is stale (replayed?)${where}`);
    }
    if (seenSignedIds.has(message.id)) throw new HttpError(409, `message ${message.id} was already published: a replay is refused${where}`);
    return message;
  };

  const remember = (messages: readonly Message[]): void => {
    const now = Date.now();
    if (seenSignedIds.size > MAX_REMEMBERED) {
      for (const [id, at] of seenSignedIds) if (now - at > FRESH_FOR_MS) seenSignedIds.delete(id);
    }
    for (const message of messages) if (typeof message.headers[SignatureHeader.signature] === 'string') seenSignedIds.set(message.id, now);
  };

  app.get('/api/v1/trust', async () => options.trust());

  app.post('/api/v1/messages', { bodyLimit: options.bodyLimit }, async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const identity = await options.authenticator.identify(request.headers.authorization);
      if (!identity) {
        throw new HttpError(401, 'a valid bearer token is required: Authorization: Bearer tdg.… (tidings identity create NAME --topics …)');
      }
      const items = itemsOf(request);
      const wait = limiter.take(identity.name, identity.ratePerMinute ?? options.ratePerMinute, items.length);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new HttpError(429, `identity "${identity.name}" is over its rate of ${identity.ratePerMinute ?? options.ratePerMinute} messages a minute: retry in ${wait} s`);
      }
      const messages = items.map((item, index) => messageOf(identity, item, index));
      // Remembered before sending, so two concurrent replays cannot both pass; forgotten again when
      // the bus did not take them, so the publisher's retry of the same signed message is not a replay.
      remember(messages);
      try {
        await Promise.all(messages.map((message) => options.send(message)));
      } catch (error) {
        for (const message of messages) seenSignedIds.delete(message.id);
        throw error;
      }
      return reply.code(202).send(messages.length === 1 ? { id: messages[0]!.id } : { ids: messages.map((message) => message.id) });
    } catch (error) {
      if (error instanceof HttpError) return reply.code(error.status).send({ error: error.message, ...error.extra });
      const code = (error as { code?: string }).code ?? '';
      const status = STATUS_BY_CODE[code];
      if (status) return reply.code(status).send({ error: (error as Error).message });
      throw error;
    }
  });
}
