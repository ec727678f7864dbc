/**
 * `/api/v1/ws`: live streams over one WebSocket, many subscriptions per connection (protocol.ts).
 * Bad input gets an `error` frame and the connection stays; only a client that keeps sending bad
 * frames, sends a frame past the server's hard limit, or does not read what it asked for is closed.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { TidingsError } from '../../message/index.js';
import { StreamClient, type Outlet } from './client.js';
import { WriteBatch } from './batch.js';
import { remoteOf, type StreamContext } from './context.js';
import { ResumeError, StreamFilterError, StreamFrameError, SubscriptionError } from './errors.js';
import { filterFromFrame } from './filter.js';
import { readHistory } from './resume.js';
import {
  CLOSE_ABUSIVE,
  CLOSE_STOPPING,
  CLOSE_TOO_SLOW,
  MAX_BAD_FRAMES,
  MAX_CLIENT_FRAME_BYTES,
  MAX_SUBSCRIPTIONS,
  MAX_SUBSCRIPTION_ID_LENGTH,
  SUBSCRIBE_FIELDS,
  type ServerFrame,
} from './protocol.js';

export const WS_PATH = '/api/v1/ws';

/** A close reason is at most 123 bytes; cut on a character boundary. */
function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

/**
 * Message frames are framed once per event (event.ts) and written, batched per turn (batch.ts),
 * straight to the TCP socket under the WebSocket: ws would build a header and a write request per
 * frame per client. Everything else (acknowledgements, errors, pings, the close) goes through ws,
 * after the batch is flushed so that order is kept. Frames are whole and uncompressed
 * (perMessageDeflate is off), so ws's own writes and these never interleave within a frame.
 */
class SocketOutlet implements Outlet {
  private readonly batch: WriteBatch;

  constructor(
    private readonly socket: WebSocket,
    private readonly raw: Socket,
  ) {
    this.batch = new WriteBatch((data) => {
      if (this.socket.readyState === this.socket.OPEN && !this.raw.destroyed) this.raw.write(data);
    });
  }

  queuedBytes(): number {
    return this.raw.writableLength + this.batch.pendingBytes;
  }

  backlogBytes(): number {
    return this.raw.writableLength;
  }

  write(chunk: Buffer): void {
    if (this.socket.readyState === this.socket.OPEN) this.batch.add(chunk);
  }

  /** Sends a frame through ws, after the message frames before it. */
  send(frame: ServerFrame): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.batch.flush();
    this.socket.send(JSON.stringify(frame));
  }

  drained(): Promise<void> {
    this.batch.flush();
    if (this.raw.writableLength === 0 || this.socket.readyState !== this.socket.OPEN) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.raw.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.raw.on('drain', done);
      this.socket.on('close', done);
    });
  }

  end(error?: TidingsError): void {
    if (this.socket.readyState !== this.socket.OPEN) return this.batch.discard();
    this.batch.flush();
    if (!error) return this.socket.close(1000);
    // The frame says why for clients that read frames; the close code and reason for those that do not.
    this.send({ type: 'error', code: error.code, message: error.message });
    const code = error.code === 'CLIENT_TOO_SLOW' ? CLOSE_TOO_SLOW : error.code === 'SERVER_STOPPING' ? CLOSE_STOPPING : CLOSE_ABUSIVE;
    // ws destroys the socket if the client does not answer the close within 30 s: a client that
    // stopped reading is not kept longer than that.
    this.socket.close(code, closeReason(`${error.code}: ${error.message}`));
  }
}

function textOf(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

export function registerWebSocketRoute(app: FastifyInstance, context: StreamContext): void {
  app.get(WS_PATH, { websocket: true }, (socket, request) => {
    const log = context.logger.child({ client: remoteOf(request), stream: 'ws' });
    const outlet = new SocketOutlet(socket, request.socket);
    const client = new StreamClient(context.hub, outlet, (event, subscription) => event.frameFor(subscription), context.limits, log);
    const connection = { heartbeat: () => socket.readyState === socket.OPEN && socket.ping(), close: (error: TidingsError) => client.close(error) };
    context.connections.add(connection);
    let badFrames = 0;

    const send = (frame: ServerFrame): void => outlet.send(frame);

    const refuse = (error: TidingsError, id?: string): void => {
      send({ type: 'error', code: error.code, message: error.message, ...(id !== undefined ? { id } : {}) });
      if (++badFrames > MAX_BAD_FRAMES) {
        log.warn({ badFrames }, 'stream client closed: too many bad frames');
        client.close(new StreamFrameError('TOO_MANY_BAD_FRAMES', `more than ${MAX_BAD_FRAMES} bad frames on one connection`));
      }
    };

    const subscribe = (frame: Record<string, unknown>, id: string): void => {
      const unknown = Object.keys(frame).find((key) => !SUBSCRIBE_FIELDS.has(key));
      if (unknown !== undefined) {
        throw new StreamFrameError('FRAME_MALFORMED', `unknown field ${JSON.stringify(unknown.slice(0, 40))} in subscribe: the fields are ${[...SUBSCRIBE_FIELDS].join(', ')}`);
      }
      if (client.has(id)) throw new SubscriptionError('SUBSCRIPTION_EXISTS', `subscription "${id}" already exists on this connection: unsubscribe it first, or use another id`);
      if (client.subscriptionCount >= MAX_SUBSCRIPTIONS) {
        throw new SubscriptionError('SUBSCRIPTION_LIMIT', `at most ${MAX_SUBSCRIPTIONS} subscriptions per connection: unsubscribe one, or give one subscription several patterns`);
      }
      const filter = filterFromFrame(frame);
      const after = frame['after'];
      if (after !== undefined && (typeof after !== 'string' || after === '')) throw new StreamFrameError('FRAME_MALFORMED', '"after" must be a message id (a non-empty string)');
      if (after !== undefined && !context.resume) throw new ResumeError('RESUME_UNAVAILABLE', 'this server keeps no archive, so it cannot resume: subscribe without "after"');
      const subscription = client.subscribe(id, filter, after !== undefined);
      if (after === undefined) return send({ type: 'subscribed', id });
      const highWater = context.hub.highWater;
      readHistory(context.resume!, after, filter, highWater).then(
        (history) => {
          if (!client.isActive(subscription)) return; // gone, or unsubscribed meanwhile
          send({ type: 'subscribed', id, replayed: history.length });
          return client.catchUp(subscription, history);
        },
        (error: unknown) => {
          if (!client.isActive(subscription)) return;
          client.unsubscribe(id);
          if (!(error instanceof ResumeError)) log.error({ err: error }, 'stream resume failed');
          refuse(error instanceof ResumeError ? error : new ResumeError('ARCHIVE_BEHIND', 'the archive could not be read: subscribe again in a few seconds', { cause: error }), id);
        },
      );
    };

    const handle = (frame: Record<string, unknown>): void => {
      const op = frame['op'];
      const id = frame['id'];
      if (op !== 'subscribe' && op !== 'unsubscribe') {
        throw new StreamFrameError('OP_UNKNOWN', `unknown op ${JSON.stringify(op)?.slice(0, 40) ?? 'undefined'}: the ops are "subscribe" and "unsubscribe"`);
      }
      if (typeof id !== 'string' || id === '' || id.length > MAX_SUBSCRIPTION_ID_LENGTH) {
        throw new StreamFrameError('FRAME_MALFORMED', `"id" must name the subscription: a string of 1 to ${MAX_SUBSCRIPTION_ID_LENGTH} characters`);
      }
      if (op === 'subscribe') return subscribe(frame, id);
      if (!client.unsubscribe(id)) throw new SubscriptionError('SUBSCRIPTION_UNKNOWN', `no subscription "${id}" on this connection`);
      send({ type: 'unsubscribed', id });
    };

    socket.on('message', (data, isBinary) => {
      if (client.isClosed) return;
      let frame: Record<string, unknown> | undefined;
      try {
        const text = textOf(data);
        if (isBinary) throw new StreamFrameError('FRAME_MALFORMED', 'binary frames are not part of the stream protocol: send JSON text');
        if (text.length > MAX_CLIENT_FRAME_BYTES) {
          throw new StreamFrameError('FRAME_TOO_LARGE', `a frame may be at most ${MAX_CLIENT_FRAME_BYTES} bytes, got ${text.length}: use fewer, broader patterns`);
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(text.toString('utf8'));
        } catch (error) {
          throw new StreamFrameError('FRAME_MALFORMED', `the frame is not JSON (${(error as Error).message}): send e.g. {"op":"subscribe","id":"s1","topic":["org.example.#"]}`);
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new StreamFrameError('FRAME_MALFORMED', 'a frame must be a JSON object with an "op"');
        frame = parsed as Record<string, unknown>;
        handle(frame);
      } catch (error) {
        const known = error instanceof StreamFrameError || error instanceof StreamFilterError || error instanceof SubscriptionError || error instanceof ResumeError;
        if (!known) log.error({ err: error }, 'stream frame failed');
        const id = typeof frame?.['id'] === 'string' ? frame['id'].slice(0, MAX_SUBSCRIPTION_ID_LENGTH) : undefined;
        refuse(known ? error : new StreamFrameError('FRAME_MALFORMED', 'the frame could not be handled (logged on the server)'), id);
      }
    });
    socket.on('close', () => {
      context.connections.delete(connection);
      client.close();
    });
    socket.on('error', (error) => log.debug({ err: error }, 'stream socket error'));
    send({ type: 'welcome', limits: { max_subscriptions: MAX_SUBSCRIPTIONS, max_frame_bytes: MAX_CLIENT_FRAME_BYTES, max_queued_bytes: context.limits.maxQueuedBytes } });
  });
}
