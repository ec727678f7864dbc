/**
 * `connect(url)`: the one call a service makes to get a Bus. The URL picks the transport:
 *   http(s)://host:port   a running `tidings serve` (its embedded broker, over WebSocket)
 *   embedded:DIR          an embedded broker inside this process, stored in DIR
 *   memory:               an embedded broker inside this process, in memory (tests)
 *   amqp(s)://…           RabbitMQ, wire-compatible with fedora-messaging
 */
import { Bus, ConfigurationError, type BusOptions, type Transport } from './bus/index.js';
import { EmbeddedBroker, EmbeddedConnection, type Durability } from './transports/embedded/index.js';
import { HubTransport } from './transports/hub/index.js';
import { AmqpTransport, type AmqpTlsOptions } from './transports/amqp/index.js';

export const DEFAULT_URL = 'http://127.0.0.1:8780';

export interface ConnectOptions extends BusOptions {
  /** Names this client in the broker's view of its connections. */
  readonly name?: string;
  readonly connectTimeoutMs?: number;
  /** For http(s):// URLs: an identity's token (also accepted in the URL: http://:TOKEN@host:port). */
  readonly token?: string;
  /** For embedded: URLs. */
  readonly durability?: Durability;
  /** For amqps:// URLs: fedora-messaging's `tls` keys. */
  readonly tls?: AmqpTlsOptions;
  /** For amqp(s):// URLs: fedora-messaging's `client_properties`. */
  readonly clientProperties?: Readonly<Record<string, string>>;
}

export async function openTransport(url: string, options: ConnectOptions = {}): Promise<Transport> {
  const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase();
  switch (scheme) {
    case 'http:':
    case 'https:':
      return HubTransport.connect(url, {
        ...(options.name ? { name: options.name } : {}),
        ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
        ...(options.token ? { token: options.token } : {}),
      });
    case 'embedded:':
    case 'memory:': {
      const dataDir = scheme === 'embedded:' ? url.slice('embedded:'.length).replace(/^\/\//, '') : undefined;
      if (scheme === 'embedded:' && !dataDir) {
        throw new ConfigurationError('an embedded: URL needs a data directory, e.g. embedded:/var/lib/tidings');
      }
      const broker = new EmbeddedBroker({
        ...(dataDir ? { dataDir } : {}),
        ...(options.durability ? { durability: options.durability } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
      return new OwningEmbeddedConnection(broker, options.name);
    }
    case 'amqp:':
    case 'amqps:':
      return AmqpTransport.connect(url, {
        ...(options.name ? { name: options.name } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.tls ? { tls: options.tls } : {}),
        ...(options.clientProperties ? { clientProperties: options.clientProperties } : {}),
      });
    default:
      throw new ConfigurationError(
        `cannot tell which bus ${JSON.stringify(url)} names: use amqp(s)://… (RabbitMQ), http://host:port (tidings serve), embedded:DIR or memory:`,
      );
  }
}

/** An in-process broker that lives exactly as long as its one connection. */
class OwningEmbeddedConnection extends EmbeddedConnection {
  private readonly ownedBroker: EmbeddedBroker;

  constructor(broker: EmbeddedBroker, name?: string) {
    super(broker, name ? { name } : {});
    this.ownedBroker = broker;
  }

  override async close(): Promise<void> {
    await super.close();
    this.ownedBroker.close();
  }
}

/** Connects to the bus at `url` (default: a local `tidings serve`). */
export async function connect(url: string = DEFAULT_URL, options: ConnectOptions = {}): Promise<Bus> {
  const transport = await openTransport(url, options);
  return new Bus(transport, options);
}
