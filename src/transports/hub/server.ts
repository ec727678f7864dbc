/**
 * The server end of the hub protocol: one bus connection per WebSocket (to the embedded broker, or
 * to RabbitMQ when `tidings serve` runs on it). When the socket goes, so does the connection:
 * unsettled deliveries return to their queues and exclusive queues are deleted.
 */
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { assertValidTopic, MessageFormatError, MessageTooLargeError, TidingsError } from '../../message/index.js';
import type { Delivery, RawMessage, Subscription, Transport } from '../../bus/index.js';
import { identityFrom, type ConnectionIdentity } from '../embedded/index.js';
import { HUB_PROTOCOL_VERSION, type HubClientFrame, type HubRequest, type HubServerFrame } from './protocol.js';

export interface HubServerOptions {
  /** Opens the bus connection this client's frames go to. */
  connect(remote: string): Transport | Promise<Transport>;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  /** Checks and stamps each message the client publishes (its identity's topics, signature); throws to refuse. */
  readonly publishPolicy?: (message: RawMessage) => RawMessage;
}

class ProtocolError extends TidingsError {
  readonly code = 'PROTOCOL_ERROR';
}

/** Serves one client socket until it closes. */
export function serveHubSocket(socket: WebSocket, remote: string, options: HubServerOptions): void {
  let connection!: Transport;
  let socketClosed = false;
  const opened: Promise<boolean> = Promise.resolve()
    .then(() => options.connect(remote))
    .then(
      (transport) => {
        connection = transport;
        if (socketClosed) void transport.close();
        // Closed from the broker's side (an operator): the client must learn that its connection is gone.
        void transport.closed.then((error) => {
          if (error && !socketClosed) socket.close(4000, closeReason(error.message));
        });
        return !socketClosed;
      },
      (error: unknown) => {
        log.warn({ err: error }, 'no bus connection for a hub client');
        socket.close(1011, 'the bus is not available');
        return false;
      },
    );
  const deliveries = new Map<number, Delivery>();
  let nextTag = 1;
  const log = options.logger.child({ client: remote });

  const send = (frame: HubServerFrame): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  };

  const reply = (rid: number, work: Promise<unknown>): void => {
    work.then(
      (result) => send(result === undefined ? { op: 'ok', rid } : { op: 'ok', rid, result }),
      (error: unknown) => send(errorFrame(rid, error)),
    );
  };

  const handleRequest = (frame: HubRequest): void => {
    switch (frame.op) {
      case 'hello':
        if (frame.version !== HUB_PROTOCOL_VERSION) {
          send(errorFrame(frame.rid, new ProtocolError(`hub protocol ${frame.version} is not supported (this server speaks ${HUB_PROTOCOL_VERSION}): use the same Tidings version on both ends`)));
          socket.close(1002, 'protocol version');
          return;
        }
        // The connection was made before the client said who it is: tell it now (the embedded broker listens).
        if (isIdentifiable(connection)) connection.identify(identityFrom(frame.identity, typeof frame.name === 'string' ? frame.name : null));
        log.debug({ name: frame.name }, 'hub client connected');
        return send({ op: 'ok', rid: frame.rid, result: { version: HUB_PROTOCOL_VERSION } });
      case 'declareExchange':
        return reply(frame.rid, connection.declareExchange(frame.exchange, frame.options ?? {}));
      case 'declareQueue':
        return reply(frame.rid, connection.declareQueue(frame.queue));
      case 'bind':
        return reply(frame.rid, connection.bindQueue(frame.queue, frame.exchange, frame.pattern));
      case 'unbind':
        return reply(frame.rid, connection.unbindQueue(frame.queue, frame.exchange, frame.pattern));
      case 'deleteQueue':
        return reply(frame.rid, connection.deleteQueue(frame.queue, { ifEmpty: frame.ifEmpty, ifUnused: frame.ifUnused }));
      case 'publish':
        return reply(frame.rid, publish(frame.message, frame.exchange, frame.mandatory));
      case 'consume': {
        const ctag = String(frame.ctag);
        if (subscriptions.has(ctag)) {
          return send(errorFrame(frame.rid, new ProtocolError(`consumer tag "${ctag}" is already in use on this connection`)));
        }
        const listener = (delivery: Delivery): void => {
          const tag = nextTag++;
          deliveries.set(tag, delivery);
          send({
            op: 'deliver',
            ctag,
            tag,
            queue: delivery.queue,
            exchange: delivery.exchange,
            redelivered: delivery.redelivered,
            message: delivery.message,
          });
        };
        const consuming = connection.consume({ queue: frame.queue, prefetch: frame.prefetch }, listener).then((subscription) => {
          subscriptions.set(ctag, subscription);
          void subscription.ended.then((error) => {
            subscriptions.delete(ctag);
            if (error) send({ op: 'cancelled', ctag, code: codeOf(error), message: error.message });
          });
        });
        return reply(frame.rid, consuming);
      }
      case 'cancel': {
        const subscription = subscriptions.get(frame.ctag);
        return reply(frame.rid, subscription ? subscription.cancel() : Promise.resolve());
      }
    }
  };

  const subscriptions = new Map<string, Subscription>();

  const publish = async (message: RawMessage, exchange?: string, mandatory?: boolean): Promise<void> => {
    assertRawMessageShape(message);
    assertValidTopic(message.topic);
    const size = Buffer.byteLength(message.body);
    if (size > options.maxBodyBytes) throw new MessageTooLargeError(size, options.maxBodyBytes, message.topic);
    const allowed = options.publishPolicy ? options.publishPolicy(message) : message;
    await connection.publish(allowed, { ...(exchange ? { exchange } : {}), ...(mandatory ? { mandatory } : {}) });
  };

  const settle = (frame: Extract<HubClientFrame, { tag: number }>): void => {
    const delivery = deliveries.get(frame.tag);
    if (!delivery) return; // already settled, or its consumer ended and the message went back
    deliveries.delete(frame.tag);
    if (frame.op === 'ack') delivery.ack();
    else if (frame.op === 'requeue') delivery.requeue();
    else delivery.deadLetter(String(frame.reason).slice(0, 2000));
  };

  const dispatch = (frame: HubClientFrame): void => {
    if (frame.op === 'ack' || frame.op === 'requeue' || frame.op === 'dead') settle(frame);
    else if ('rid' in frame && typeof frame.rid === 'number') handleRequest(frame);
    else socket.close(1008, `unknown op ${String(frame.op).slice(0, 40)}`);
  };

  socket.on('message', (data, isBinary) => {
    let frame: HubClientFrame;
    try {
      if (isBinary) throw new ProtocolError('binary frames are not part of the hub protocol');
      frame = JSON.parse(data.toString()) as HubClientFrame;
      if (typeof frame !== 'object' || frame === null || typeof frame.op !== 'string') {
        throw new ProtocolError('a frame must be a JSON object with an "op"');
      }
    } catch (error) {
      log.warn({ err: error }, 'unreadable hub frame; closing the connection');
      socket.close(1007, 'unreadable frame');
      return;
    }
    // Frames wait for the bus connection; callbacks on one promise run in order, so they stay in order.
    if (connection) dispatch(frame);
    else void opened.then((ready) => ready && dispatch(frame));
  });

  socket.on('close', () => {
    socketClosed = true;
    deliveries.clear();
    if (connection) void connection.close();
    log.debug('hub client disconnected');
  });
  socket.on('error', (error) => log.warn({ err: error }, 'hub socket error'));
}

/** A client is another process: check the frame's message before it reaches the broker. */
function assertRawMessageShape(message: RawMessage): void {
  const problem =
    typeof message !== 'object' || message === null
      ? 'the message must be an object'
      : typeof message.id !== 'string' || message.id === ''
        ? '"id" must be a non-empty string'
        : typeof message.topic !== 'string'
          ? '"topic" must be a string'
          : typeof message.headers !== 'object' || message.headers === null || Array.isArray(message.headers)
            ? '"headers" must be an object'
            : typeof message.body !== 'string'
              ? '"body" must be the JSON text of the body'
              : message.priority !== undefined && !(Number.isInteger(message.priority) && message.priority >= 0 && message.priority <= 255)
                ? '"priority" must be a whole number from 0 to 255'
                : null;
  if (problem) throw new MessageFormatError(`hub publish refused: ${problem}`);
}

/** A transport that records who its client is (EmbeddedConnection). */
function isIdentifiable(transport: Transport): transport is Transport & { identify(identity: ConnectionIdentity): void } {
  return typeof (transport as { identify?: unknown }).identify === 'function';
}

/** WebSocket close reasons are limited to 123 bytes. */
function closeReason(text: string): string {
  let reason = text.slice(0, 120);
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

function codeOf(error: unknown): string {
  return error instanceof TidingsError ? error.code : 'INTERNAL';
}

function errorFrame(rid: number, error: unknown): HubServerFrame {
  return { op: 'error', rid, code: codeOf(error), message: error instanceof Error ? error.message : String(error) };
}
