/**
 * `GET /api/v1/stream?topic=…&category=…&user=…&package=…` as Server-Sent Events: an `id:` (the
 * message id), `event: message` and `data:` (the message JSON) per message, heartbeat comments so
 * proxies keep the connection open. `Last-Event-ID` (what EventSource sends when it reconnects), or
 * `lastEventId` in the query for clients without EventSource, resumes from the archive.
 *
 * Problems known before the stream starts are a 400 with `{error, code}` — an EventSource gives up
 * on those, which is right for a bad filter or an id the archive does not know. Problems after it
 * started (too slow, the server stopping, the archive a moment behind) are a final `event: error`
 * and the end of the response — an EventSource reconnects after `retry:`, and resumes.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TidingsError } from '../../message/index.js';
import { StreamClient, type Outlet } from './client.js';
import { WriteBatch } from './batch.js';
import { refuse, remoteOf, searchParams, type StreamContext } from './context.js';
import { ResumeError, StreamFilterError } from './errors.js';
import { filterFromQuery } from './filter.js';
import { readHistory } from './resume.js';
import type { StreamEvent } from './event.js';

export const SSE_PATH = '/api/v1/stream';
/** How long an EventSource waits before reconnecting. */
const RETRY_MS = 3_000;
/** How long a response that was ended is left to flush before its socket is destroyed. */
const FLUSH_GRACE_MS = 30_000;
const HEARTBEAT = Buffer.from(':\n\n');

/** Events are batched per turn of the event loop (batch.ts): one chunk of the response per turn. */
class SseOutlet implements Outlet {
  private opened = false;
  private readonly batch: WriteBatch;

  constructor(private readonly response: ServerResponse) {
    this.batch = new WriteBatch((data) => {
      if (!this.response.writableEnded && !this.response.destroyed) this.response.write(data);
    });
  }

  /** Sends the headers (with those fastify's hooks set: CORS, security) and the first comment. */
  open(headers: Record<string, unknown>): void {
    this.response.writeHead(200, {
      ...(headers as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // nginx buffers responses unless told not to.
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    this.response.write(`retry: ${RETRY_MS}\n: tidings live stream\n\n`);
    this.opened = true;
  }

  queuedBytes(): number {
    return this.response.writableLength + this.batch.pendingBytes;
  }

  backlogBytes(): number {
    return this.response.writableLength;
  }

  write(chunk: Buffer): void {
    if (!this.response.writableEnded) this.batch.add(chunk);
  }

  drained(): Promise<void> {
    this.batch.flush();
    const response = this.response;
    if (response.writableLength === 0 || response.destroyed || response.writableEnded) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        response.off('drain', done);
        response.off('close', done);
        resolve();
      };
      response.on('drain', done);
      response.on('close', done);
    });
  }

  heartbeat(): void {
    if (this.opened && !this.response.writableEnded) this.batch.add(HEARTBEAT);
  }

  end(error?: TidingsError): void {
    if (!this.opened || this.response.writableEnded || this.response.destroyed) return this.batch.discard();
    this.batch.flush();
    if (error) this.response.write(`event: error\ndata: ${JSON.stringify({ code: error.code, message: error.message })}\n\n`);
    this.response.end();
    // A client that stopped reading never takes the rest: do not keep its socket (and buffers) for ever.
    const destroy = setTimeout(() => this.response.destroy(), FLUSH_GRACE_MS);
    destroy.unref();
    this.response.once('close', () => clearTimeout(destroy));
  }
}

function lastEventIdOf(request: FastifyRequest, params: URLSearchParams): string | undefined {
  const header = request.headers['last-event-id'];
  // The header is newer than the query: EventSource keeps the URL it started with.
  const value = (Array.isArray(header) ? header[0] : header) || params.get('lastEventId') || '';
  return value === '' ? undefined : value;
}

export function registerSseRoute(app: FastifyInstance, context: StreamContext): void {
  app.get(SSE_PATH, async (request: FastifyRequest, reply: FastifyReply) => {
    const params = searchParams(request);
    let filter;
    try {
      filter = filterFromQuery(params, ['lastEventId']);
    } catch (error) {
      if (error instanceof StreamFilterError) return refuse(reply, 400, error);
      throw error;
    }
    const lastEventId = lastEventIdOf(request, params);
    if (lastEventId !== undefined && !context.resume) {
      return refuse(reply, 400, new ResumeError('RESUME_UNAVAILABLE', 'this server keeps no archive, so it cannot resume after Last-Event-ID: reconnect without it'));
    }
    const log = context.logger.child({ client: remoteOf(request), stream: 'sse' });
    const outlet = new SseOutlet(reply.raw);
    const client = new StreamClient(context.hub, outlet, (event) => event.sse, context.limits, log);
    // Filed before history is read, so nothing published from now on is missed.
    const subscription = client.subscribe('', filter, lastEventId !== undefined);
    const highWater = context.hub.highWater;
    reply.raw.once('close', () => client.close());

    let history: StreamEvent[] = [];
    if (lastEventId !== undefined) {
      try {
        history = await readHistory(context.resume!, lastEventId, filter, highWater);
      } catch (error) {
        if (!(error instanceof ResumeError) || error.code === 'ARCHIVE_BEHIND') {
          // Transient: start the stream only to say so; EventSource retries after `retry:`.
          if (!(error instanceof ResumeError)) log.error({ err: error }, 'stream resume failed');
          reply.hijack();
          outlet.open(reply.getHeaders());
          client.close(error instanceof ResumeError ? error : new ResumeError('ARCHIVE_BEHIND', 'the archive could not be read: reconnect in a few seconds', { cause: error }));
          return;
        }
        client.close();
        return refuse(reply, 400, error);
      }
    }
    if (client.isClosed) return; // gone while the history was read
    reply.hijack();
    outlet.open(reply.getHeaders());
    const connection = { heartbeat: () => outlet.heartbeat(), close: (error: TidingsError) => client.close(error) };
    context.connections.add(connection);
    reply.raw.once('close', () => context.connections.delete(connection));
    log.debug({ filter, resumedAfter: lastEventId, replayed: history.length }, 'stream opened');
    void client.catchUp(subscription, history).catch((error: unknown) => {
      log.error({ err: error }, 'stream catch-up failed');
      client.close();
    });
  });
}
