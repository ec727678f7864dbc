/** Live streams inside `tidings serve`: one bus connection and subscription that feeds every SSE and WebSocket client. */
import type { TidingsConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import { Bus } from '../../bus/index.js';
import type { SchemaRegistry } from '../../message/index.js';
import type { ArchiveQueries } from '../../archive/index.js';
import { StreamHub, type StreamRouteOptions } from '../../gateway/index.js';
import type { BusBackend } from './backend.js';

export interface StreamService {
  readonly routeOptions: StreamRouteOptions;
  stop(): Promise<void>;
}

export async function startStreamService(
  config: TidingsConfig,
  backend: BusBackend,
  registry: SchemaRegistry,
  archive: ArchiveQueries | undefined,
  logger: Logger,
): Promise<StreamService> {
  const streamLogger = logger.child({ part: 'stream' });
  const bus = new Bus(await backend.connect('tidings-stream'), { registry, logger: streamLogger, exchange: config.publish_exchange });
  const hub = new StreamHub(bus, { logger: streamLogger });
  try {
    await hub.start();
  } catch (error) {
    await bus.close();
    throw error;
  }
  return {
    routeOptions: { hub, logger: streamLogger, ...(archive ? { archive: { queries: archive, registry } } : {}) },
    async stop() {
      await hub.stop();
      await bus.close();
    },
  };
}
