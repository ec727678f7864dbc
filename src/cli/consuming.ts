/**
 * What consume, tail and record share: turning flags and configuration into a ConsumeSpec, running
 * a consumer until it ends or a signal comes, and the exit code its end deserves.
 */
import { ConfigError, type TidingsConfig } from '../config/index.js';
import type { Bus, ConsumeSpec, MessageHandler } from '../bus/index.js';
import type { Logger } from '../log/index.js';
import { ExitCode } from './exit-codes.js';
import { onShutdownSignal } from './context.js';

export interface QueueFlags {
  queueName?: string;
  routingKey?: string[];
  exchange?: string;
  prefetch?: string;
  concurrency?: string;
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new ConfigError(`${flag} must be a whole number ≥ 1, got ${JSON.stringify(value)}`, flag);
  }
  return number;
}

/**
 * Flags win; otherwise the configuration's queues and bindings (fedora-messaging's layout);
 * otherwise a server-named queue bound to `defaultKeys`.
 */
export function consumeSpecFrom(flags: QueueFlags, config: TidingsConfig, defaultKeys: string[]): ConsumeSpec {
  const exchange = flags.exchange ?? config.publish_exchange;
  const configuredQueue = Object.keys(config.queues)[0];
  const queue = flags.queueName ?? (flags.routingKey?.length ? '' : configuredQueue) ?? '';
  const queueConfig = config.queues[queue];
  let bindings: ConsumeSpec['bindings'];
  if (flags.routingKey?.length) {
    bindings = [{ exchange, routingKeys: flags.routingKey }];
  } else {
    const configured = config.bindings.filter((binding) => binding.queue === queue);
    bindings = configured.length
      ? configured.map((binding) => ({ exchange: binding.exchange, routingKeys: binding.routing_keys }))
      : [{ exchange, routingKeys: defaultKeys }];
  }
  const prefetch = positiveInteger(flags.prefetch, '--prefetch') ?? config.qos.prefetch_count;
  const concurrency = positiveInteger(flags.concurrency, '--concurrency');
  return {
    queue,
    bindings,
    prefetch,
    ...(concurrency ? { concurrency } : {}),
    ...(queueConfig
      ? {
          durable: queueConfig.durable,
          autoDelete: queueConfig.auto_delete,
          exclusive: queueConfig.exclusive,
          arguments: queueConfig.arguments,
        }
      : {}),
    ...(config.passive_declares && queue ? { passive: true } : {}),
  };
}

/**
 * Consumes until the consumer ends (halt, failure, broker) or SIGINT/SIGTERM (a graceful stop: the
 * handlers in flight finish). Returns the exit code of a halt or a stop; throws the error of a failure,
 * which the CLI reports as one line and maps to its exit code (13 handler, 14 connection, 12 cancelled).
 */
export async function runConsumer(bus: Bus, spec: ConsumeSpec, handler: MessageHandler, logger: Logger): Promise<number> {
  const consumer = await bus.consume(spec, handler);
  logger.debug({ queue: consumer.queue }, 'consuming');
  onShutdownSignal(() => void consumer.stop());
  // A lost connection ends the consumer too: the transport's closed promise reports it.
  void bus.transport.closed.then((error) => {
    if (error) void consumer.stop({ reason: 'broker', exitCode: ExitCode.connectionFailed, error });
  });
  const end = await consumer.ended;
  if (end.reason === 'cancelled') return ExitCode.ok;
  if (end.reason === 'halted') return end.exitCode;
  throw end.error ?? new Error(`the consumer stopped (${end.reason})`);
}
