/**
 * What consume, tail and record share: turning flags and configuration into consume specs (one per
 * queue, as fedora-messaging consumes every configured queue), declaring the configured exchanges,
 * running the consumers until one ends or a signal comes, and the exit code that end deserves.
 */
import { ConfigError, type TidingsConfig } from '../config/index.js';
import type { Bus, ConsumeSpec, Consumer, ConsumerEnd, MessageHandler } from '../bus/index.js';
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
 * Flags win (one queue); otherwise every queue of the configuration with its bindings
 * (fedora-messaging's layout); otherwise a server-named queue bound to `defaultKeys`.
 */
export function consumeSpecsFrom(flags: QueueFlags, config: TidingsConfig, defaultKeys: string[]): ConsumeSpec[] {
  const exchange = flags.exchange ?? config.publish_exchange;
  const prefetch = positiveInteger(flags.prefetch, '--prefetch') ?? config.qos.prefetch_count;
  const concurrency = positiveInteger(flags.concurrency, '--concurrency');
  const common = { prefetch, ...(concurrency ? { concurrency } : {}) };
  const configured = Object.keys(config.queues);
  const fromFlags = flags.queueName !== undefined || (flags.routingKey?.length ?? 0) > 0 || configured.length === 0;
  const names = fromFlags ? [flags.queueName ?? ''] : configured;
  return names.map((queue) => {
    const queueConfig = config.queues[queue];
    const configuredBindings = config.bindings.filter((binding) => binding.queue === queue);
    const bindings: ConsumeSpec['bindings'] = flags.routingKey?.length
      ? [{ exchange, routingKeys: flags.routingKey }]
      : configuredBindings.length
        ? configuredBindings.map((binding) => ({ exchange: binding.exchange, routingKeys: binding.routing_keys }))
        : fromFlags && !flags.queueName
          ? [{ exchange, routingKeys: defaultKeys }]
          : [];
    return {
      queue,
      bindings,
      ...common,
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
  });
}

/** The configuration's `exchanges`, declared before anything binds to them (unless passive). */
export async function declareConfiguredExchanges(bus: Bus, config: TidingsConfig): Promise<void> {
  if (config.passive_declares) return;
  for (const [name, exchange] of Object.entries(config.exchanges)) {
    await bus.transport.declareExchange(name, {
      type: exchange.type,
      durable: exchange.durable,
      autoDelete: exchange.auto_delete,
      arguments: exchange.arguments,
    });
  }
}

function exitCodeOf(end: ConsumerEnd): number {
  if (end.reason === 'cancelled') return ExitCode.ok;
  if (end.reason === 'halted') return end.exitCode;
  throw end.error ?? new Error(`the consumer stopped (${end.reason})`);
}

/**
 * Consumes until a consumer ends (halt, failure, broker) — then stops the others — or SIGINT/SIGTERM
 * (a graceful stop: the handlers in flight finish). Returns the exit code of a halt or a stop; throws
 * the error of a failure, which the CLI reports as one line and maps to its exit code
 * (13 handler, 14 connection, 12 cancelled).
 */
export async function runConsumers(bus: Bus, specs: readonly ConsumeSpec[], handler: MessageHandler, logger: Logger): Promise<number> {
  const consumers: Consumer[] = [];
  for (const spec of specs) consumers.push(await bus.consume(spec, handler));
  logger.debug({ queues: consumers.map((consumer) => consumer.queue) }, 'consuming');
  const stopAll = (end?: ConsumerEnd): void => {
    for (const consumer of consumers) void consumer.stop(end);
  };
  onShutdownSignal(() => stopAll());
  // A lost connection ends the consumers too: the transport's closed promise reports it.
  void bus.transport.closed.then((error) => {
    if (error) stopAll({ reason: 'broker', exitCode: ExitCode.connectionFailed, error });
  });
  const first = await Promise.race(consumers.map((consumer) => consumer.ended));
  stopAll();
  await Promise.all(consumers.map((consumer) => consumer.ended));
  return exitCodeOf(first);
}
