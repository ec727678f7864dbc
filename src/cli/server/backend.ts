/**
 * Where `tidings serve`'s bus lives: the embedded broker (SQLite in the data directory) or RabbitMQ.
 * A backend hands out connections (to serve's own services and to hub clients) and says whether
 * the bus is up.
 */
import { maskUrl, type TidingsConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import type { Transport } from '../../bus/index.js';
import { EmbeddedBroker, EmbeddedConnection } from '../../transports/embedded/index.js';
import { openTransport } from '../../connect.js';
import { EmbeddedManagementSource, RabbitManagementSource, type ManagementSource } from '../../manage/index.js';
import { busOptions } from '../context.js';

export interface BusBackend {
  /** For people: "embedded bus, data in …" or "RabbitMQ at …". */
  readonly description: string;
  connect(name: string): Transport | Promise<Transport>;
  /** The operators' view of this bus: the embedded broker's own counters, or RabbitMQ's management API. */
  managementSource(): ManagementSource;
  ready(): boolean;
  close(): Promise<void>;
}

function embeddedBackend(config: TidingsConfig, logger: Logger): BusBackend {
  const broker = new EmbeddedBroker({
    dataDir: config.serve.data_dir,
    durability: config.serve.durability,
    logger: logger.child({ part: 'broker' }),
  });
  let open = true;
  return {
    description: `embedded bus, data in ${config.serve.data_dir}`,
    connect: (name) => new EmbeddedConnection(broker, { address: name, name }),
    managementSource: () => new EmbeddedManagementSource(broker),
    ready: () => open,
    async close() {
      open = false;
      broker.close();
    },
  };
}

/** On RabbitMQ: serve's own connection tells readiness; every other user gets a connection of its own. */
async function rabbitBackend(config: TidingsConfig, logger: Logger): Promise<BusBackend> {
  const own = await openTransport(config.url, busOptions(config, logger.child({ part: 'bus' }), 'tidings-serve'));
  let up = true;
  void own.closed.then(() => (up = false));
  return {
    description: `RabbitMQ at ${maskUrl(config.url)}`,
    connect: (name) => openTransport(config.url, busOptions(config, logger.child({ part: 'bus', client: name }), name)),
    managementSource: () =>
      new RabbitManagementSource({
        amqpUrl: config.url,
        ...(config.manage.management_url ? { managementUrl: config.manage.management_url } : {}),
        consumerTimeoutMs: config.manage.consumer_timeout * 1000,
        logger: logger.child({ part: 'manage' }),
      }),
    ready: () => up && own.connected,
    async close() {
      up = false;
      await own.close();
    },
  };
}

export function openBackend(config: TidingsConfig, logger: Logger): Promise<BusBackend> {
  return /^amqps?:/i.test(config.url) ? rabbitBackend(config, logger) : Promise.resolve(embeddedBackend(config, logger));
}
