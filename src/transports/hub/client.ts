/**
 * The client end of the hub protocol: a Transport that reaches the embedded broker of a running
 * `tidings serve` over WebSocket, so a CLI in another terminal shares its bus.
 */
import { WebSocket } from 'ws';
import { TidingsError, InvalidTopicError } from '../../message/index.js';
import {
  ConnectionError,
  DeclareError,
  NotFoundError,
  PublishRejectedError,
  PublishUnroutableError,
  ResourceLockedError,
  type ConsumeOptions,
  type DeclaredQueue,
  type Delivery,
  type ExchangeOptions,
  type PublishOptions,
  type QueueOptions,
  type RawMessage,
  type Subscription,
  type Transport,
} from '../../bus/index.js';
import { processIdentity, type ConnectionIdentity } from '../embedded/index.js';
import {
  HUB_PATH,
  HUB_PROTOCOL_VERSION,
  type HubClientFrame,
  type HubIdentity,
  type HubRequest,
  type HubServerFrame,
} from './protocol.js';

export interface HubConnectOptions {
  /** Shown in the server's logs. */
  readonly name?: string;
  readonly connectTimeoutMs?: number;
  /**
   * An identity's token (`tidings identity create`): needed from other machines, and it limits
   * publishing to the identity's topics. Also read from the URL: http://:TOKEN@host:port.
   */
  readonly token?: string;
}

/** An error the hub reported with a code this client has no class for. */
export class HubRemoteError extends TidingsError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const ERRORS_BY_CODE: Record<string, new (message: string) => TidingsError> = {
  PUBLISH_REJECTED: PublishRejectedError,
  PUBLISH_UNROUTABLE: PublishUnroutableError,
  NOT_FOUND: NotFoundError,
  RESOURCE_LOCKED: ResourceLockedError,
  DECLARE_FAILED: DeclareError,
  TOPIC_INVALID: InvalidTopicError,
};

function remoteError(code: string, message: string): TidingsError {
  const ErrorClass = ERRORS_BY_CODE[code];
  return ErrorClass ? new ErrorClass(message) : new HubRemoteError(code, message);
}

interface PendingRequest {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

interface HubConsumer {
  listener(delivery: Delivery): void;
  end(error: Error | null): void;
}

export class HubTransport implements Transport {
  readonly kind = 'hub';
  readonly closed: Promise<Error | null>;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly consumers = new Map<string, HubConsumer>();
  private nextRid = 1;
  private nextConsumer = 1;
  private lost: Error | null = null;
  private closing = false;
  private resolveClosed!: (error: Error | null) => void;

  private constructor(
    private readonly socket: WebSocket,
    readonly address: string,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.on('message', (data) => this.onFrame(JSON.parse(data.toString()) as HubServerFrame));
    socket.on('close', (code, reason) => this.onClose(code, reason.toString()));
    socket.on('error', () => undefined); // the close event that follows carries the outcome
  }

  /** Connects to `tidings serve` at an http(s):// base URL. */
  static async connect(url: string, options: HubConnectOptions = {}): Promise<HubTransport> {
    const base = new URL(url);
    const token = options.token ?? (base.password ? decodeURIComponent(base.password) : undefined);
    base.username = '';
    base.password = '';
    const wsUrl = new URL(HUB_PATH, base);
    wsUrl.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
    const address = base.origin;
    const socket = new WebSocket(wsUrl, {
      handshakeTimeout: options.connectTimeoutMs ?? 10_000,
      perMessageDeflate: false,
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      // Refused before the upgrade (401 without a valid token): say what the server said.
      socket.once('unexpected-response', (_request, response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk.slice(0, 2000)));
        response.on('end', () => {
          let reason = text;
          try {
            reason = String((JSON.parse(text) as { error?: unknown }).error ?? text);
          } catch {
            // not JSON: show the text
          }
          socket.terminate();
          reject(new ConnectionError(`tidings serve at ${address} refused the connection (${response.statusCode}): ${reason}`));
        });
      });
      socket.once('error', (error) =>
        reject(
          new ConnectionError(
            `could not reach tidings serve at ${address} (${error.message}): is it running? ` +
              '(start it with `tidings serve`, or point --url / TIDINGS_URL at it)',
            { cause: error },
          ),
        ),
      );
    });
    const transport = new HubTransport(socket, address);
    const name = options.name ?? 'tidings';
    const identity = processIdentity(name, 'tidings (hub)');
    await transport.request({ op: 'hello', rid: 0, version: HUB_PROTOCOL_VERSION, name, identity: withoutNulls(identity) });
    return transport;
  }

  get connected(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  private send(frame: HubClientFrame): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(JSON.stringify(frame));
  }

  private request(frame: HubRequest): Promise<unknown> {
    if (this.lost || this.closing) {
      return Promise.reject(this.lost ?? new ConnectionError(`the connection to ${this.address} is closed`));
    }
    const rid = this.nextRid++;
    return new Promise((resolve, reject) => {
      this.pending.set(rid, { resolve, reject });
      this.send({ ...frame, rid } as HubRequest);
    });
  }

  private onFrame(frame: HubServerFrame): void {
    switch (frame.op) {
      case 'ok':
      case 'error': {
        const pending = this.pending.get(frame.rid);
        if (!pending) return;
        this.pending.delete(frame.rid);
        if (frame.op === 'ok') pending.resolve(frame.result);
        else pending.reject(remoteError(frame.code, frame.message));
        return;
      }
      case 'deliver': {
        const consumer = this.consumers.get(frame.ctag);
        if (!consumer) {
          this.send({ op: 'requeue', tag: frame.tag });
          return;
        }
        consumer.listener(new HubDelivery(this, frame));
        return;
      }
      case 'cancelled': {
        const consumer = this.consumers.get(frame.ctag);
        this.consumers.delete(frame.ctag);
        consumer?.end(remoteError(frame.code, frame.message));
        return;
      }
    }
  }

  private onClose(code: number, reason: string): void {
    const error = this.closing
      ? null
      : new ConnectionError(`the connection to tidings serve at ${this.address} was lost (${code}${reason ? ` ${reason}` : ''})`);
    this.lost = error ?? new ConnectionError(`the connection to ${this.address} is closed`);
    for (const pending of this.pending.values()) pending.reject(this.lost);
    this.pending.clear();
    for (const consumer of this.consumers.values()) consumer.end(error);
    this.consumers.clear();
    this.resolveClosed(error);
  }

  /** @internal settlements from HubDelivery */
  settle(frame: HubClientFrame): void {
    this.send(frame);
  }

  async declareExchange(exchange: string, options: ExchangeOptions = {}): Promise<void> {
    await this.request({ op: 'declareExchange', rid: 0, exchange, options });
  }

  async declareQueue(queue: QueueOptions): Promise<DeclaredQueue> {
    return (await this.request({ op: 'declareQueue', rid: 0, queue })) as DeclaredQueue;
  }

  async bindQueue(queue: string, exchange: string, pattern: string): Promise<void> {
    await this.request({ op: 'bind', rid: 0, queue, exchange, pattern });
  }

  async unbindQueue(queue: string, exchange: string, pattern: string): Promise<void> {
    await this.request({ op: 'unbind', rid: 0, queue, exchange, pattern });
  }

  async deleteQueue(queue: string, options: { ifEmpty?: boolean; ifUnused?: boolean } = {}): Promise<void> {
    await this.request({ op: 'deleteQueue', rid: 0, queue, ...options });
  }

  async publish(message: RawMessage, options: PublishOptions = {}): Promise<void> {
    await this.request({ op: 'publish', rid: 0, message, ...options });
  }

  async consume(options: ConsumeOptions, listener: (delivery: Delivery) => void): Promise<Subscription> {
    const ctag = `hub-${this.nextConsumer++}`;
    let resolveEnded!: (error: Error | null) => void;
    const ended = new Promise<Error | null>((resolve) => (resolveEnded = resolve));
    this.consumers.set(ctag, { listener, end: resolveEnded });
    try {
      await this.request({ op: 'consume', rid: 0, queue: options.queue, prefetch: options.prefetch, ctag });
    } catch (error) {
      this.consumers.delete(ctag);
      throw error;
    }
    return {
      consumerTag: ctag,
      ended,
      cancel: async () => {
        if (!this.consumers.has(ctag)) return;
        await this.request({ op: 'cancel', rid: 0, ctag });
        this.consumers.delete(ctag);
        resolveEnded(null);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closing || this.lost) return;
    this.closing = true;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close(1000, 'client closing');
    });
  }
}

/** The identity as the protocol carries it: unknown fields left out rather than sent as null. */
function withoutNulls(identity: ConnectionIdentity): HubIdentity {
  return Object.fromEntries(Object.entries(identity).filter(([, value]) => value !== null)) as HubIdentity;
}

class HubDelivery implements Delivery {
  private settled = false;
  readonly message: RawMessage;
  readonly queue: string;
  readonly exchange: string;
  readonly redelivered: boolean;
  readonly consumerTag: string;
  private readonly tag: number;

  constructor(
    private readonly transport: HubTransport,
    frame: Extract<HubServerFrame, { op: 'deliver' }>,
  ) {
    this.message = frame.message;
    this.queue = frame.queue;
    this.exchange = frame.exchange;
    this.redelivered = frame.redelivered;
    this.consumerTag = frame.ctag;
    this.tag = frame.tag;
  }

  get live(): boolean {
    return !this.settled && this.transport.connected;
  }

  private once(frame: HubClientFrame): void {
    if (this.settled) return;
    this.settled = true;
    this.transport.settle(frame);
  }

  ack(): void {
    this.once({ op: 'ack', tag: this.tag });
  }

  requeue(): void {
    this.once({ op: 'requeue', tag: this.tag });
  }

  deadLetter(reason: string): void {
    this.once({ op: 'dead', tag: this.tag, reason });
  }
}
