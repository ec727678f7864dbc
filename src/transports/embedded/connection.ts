/**
 * A connection to an embedded broker in the same process: the Transport that `tidings serve`'s own
 * services use, and what each hub client is given on the server side.
 */
import {
  BusClosedError,
  ConnectionError,
  DeclareError,
  type ExchangeOptions,
  type ConsumeOptions,
  type DeclaredQueue,
  type Delivery,
  type PublishOptions,
  type QueueOptions,
  type RawMessage,
  type Subscription,
  type Transport,
} from '../../bus/index.js';
import type { EmbeddedBroker } from './broker.js';
import type { BrokerConsumer } from './queue.js';
import type { RegisteredConnection } from './connections.js';
import { identityFrom, processIdentity, type ConnectionIdentity } from './identity.js';

export interface EmbeddedConnectionOptions {
  /** Who is connected, for logs and statistics (a service name, a client address). */
  readonly name?: string;
  readonly address?: string;
  /** Who is on the other end; default: this process (an in-process connection). */
  readonly identity?: Partial<ConnectionIdentity>;
}

export class EmbeddedConnection implements Transport, RegisteredConnection {
  readonly kind = 'embedded';
  readonly address: string;
  readonly name: string;
  readonly id: number;
  readonly connectedAt = Date.now();
  readonly closed: Promise<Error | null>;
  private currentIdentity: ConnectionIdentity;
  private readonly consumerSet = new Set<BrokerConsumer>();
  private resolveClosed!: (error: Error | null) => void;
  private isClosed = false;

  constructor(
    private readonly broker: EmbeddedBroker,
    options: EmbeddedConnectionOptions = {},
  ) {
    this.id = broker.newConnectionId();
    this.name = options.name ?? `connection-${this.id}`;
    this.address = options.address ?? `embedded:${broker.path}`;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.currentIdentity = options.identity
      ? identityFrom(options.identity, options.name ?? null)
      : processIdentity(options.name ?? 'tidings');
    broker.connections.add(this);
  }

  get identity(): ConnectionIdentity {
    return this.currentIdentity;
  }

  /**
   * Replaces the identity, for a hub client that says who it is only after its connection was made.
   * The claim is checked field by field (a remote process sent it).
   */
  identify(claimed: Partial<ConnectionIdentity>): void {
    this.currentIdentity = identityFrom(claimed, this.currentIdentity.service);
  }

  consumers(): readonly BrokerConsumer[] {
    return [...this.consumerSet];
  }

  get connected(): boolean {
    return !this.isClosed;
  }

  /** Runs a broker operation, turning its synchronous throw into a rejected promise. */
  private async run<T>(operation: () => T): Promise<T> {
    if (this.isClosed) throw new BusClosedError(`the connection "${this.name}" is closed`);
    return operation();
  }

  declareExchange(name: string, options: ExchangeOptions = {}): Promise<void> {
    return this.run(() => {
      if (options.type !== undefined && options.type !== 'topic') {
        throw new DeclareError(
          `exchange "${name}" is of type "${options.type}": the embedded broker has topic exchanges only (RabbitMQ has the others)`,
        );
      }
      this.broker.declareExchange(name);
    });
  }

  declareQueue(options: QueueOptions): Promise<DeclaredQueue> {
    return this.run(() => {
      const queue = this.broker.declareQueue(options, this.id);
      return { name: queue.name, messageCount: queue.readyCount, consumerCount: queue.consumers.length };
    });
  }

  bindQueue(queue: string, exchange: string, pattern: string): Promise<void> {
    return this.run(() => this.broker.bindQueue(this.broker.getQueue(queue, this.id), exchange, pattern));
  }

  unbindQueue(queue: string, exchange: string, pattern: string): Promise<void> {
    return this.run(() => this.broker.unbindQueue(this.broker.getQueue(queue, this.id), exchange, pattern));
  }

  deleteQueue(queue: string, options?: { ifEmpty?: boolean; ifUnused?: boolean }): Promise<void> {
    return this.run(() => {
      const found = this.broker.findQueue(queue);
      if (found) this.broker.deleteQueue(this.broker.getQueue(queue, this.id), options);
    });
  }

  publish(message: RawMessage, options?: PublishOptions): Promise<void> {
    if (this.isClosed) return Promise.reject(new BusClosedError(`the connection "${this.name}" is closed`));
    return this.broker.publish(message, options);
  }

  consume(options: ConsumeOptions, onDelivery: (delivery: Delivery) => void): Promise<Subscription> {
    return this.run(() => {
      const queue = this.broker.getQueue(options.queue, this.id);
      let resolveEnded!: (error: Error | null) => void;
      const ended = new Promise<Error | null>((resolve) => (resolveEnded = resolve));
      const consumer = this.broker.consume(queue, this.id, options.prefetch, onDelivery);
      this.consumerSet.add(consumer);
      consumer.onEnd = (error) => {
        this.consumerSet.delete(consumer);
        resolveEnded(error);
      };
      return {
        consumerTag: consumer.tag,
        ended,
        cancel: async () => this.broker.cancel(consumer),
      };
    });
  }

  /** Ends this connection: its consumers' unsettled messages go back, its exclusive queues go away. */
  async close(): Promise<void> {
    this.end(null);
  }

  /** An operator closed it: consumers end with the reason, and so does `closed`. */
  closeByBroker(reason: string): void {
    this.end(new ConnectionError(`the broker closed the connection "${this.name}": ${reason}`));
  }

  private end(error: Error | null): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.broker.connections.remove(this);
    for (const consumer of [...this.consumerSet]) this.broker.cancel(consumer, error);
    for (const queue of [...this.broker.allQueues()]) {
      if (queue.properties.owner === this.id) this.broker.deleteQueue(queue);
    }
    this.resolveClosed(error);
  }
}
