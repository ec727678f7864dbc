/**
 * What every command needs: the configuration (file + environment + its flags), a logger, and a bus
 * connection built from them.
 */
import type { Command } from '@commander-js/extra-typings';
import { loadConfig, maskUrl, type TidingsConfig } from '../config/index.js';
import { createLogger, type Logger } from '../log/index.js';
import { connect, type ConnectOptions } from '../connect.js';
import { createSchemaRegistry } from '../schemas/index.js';
import type { Bus } from '../bus/index.js';

export interface GlobalOptions {
  url?: string;
  config?: string;
  logLevel?: string;
}

type Overrides = Parameters<typeof loadConfig>[0]['overrides'];

/** Loads the configuration a command runs with; flags given on the command line win. */
export function commandConfig(command: Command<unknown[], Record<string, unknown>>, overrides: Overrides = {}): TidingsConfig {
  const globals = command.optsWithGlobals() as GlobalOptions;
  return loadConfig({
    file: globals.config ?? null,
    env: process.env,
    overrides: {
      ...overrides,
      ...(globals.url ? { url: globals.url } : {}),
      ...(globals.logLevel ? { log_level: globals.logLevel as TidingsConfig['log_level'] } : {}),
    },
  });
}

export function commandLogger(config: TidingsConfig, name: string): Logger {
  return createLogger({ level: config.log_level, name });
}

export function busOptions(config: TidingsConfig, logger: Logger, name: string): ConnectOptions {
  return {
    name: config.client_properties['app'] ?? name,
    // The applications' schemas: consumers get their facts (users, packages, summaries) and publishers
    // their checks, also for messages that name no schema (read by their topic's).
    registry: createSchemaRegistry(),
    logger,
    topicPrefix: config.topic_prefix,
    exchange: config.publish_exchange,
    maxBodyBytes: config.max_message_bytes,
    publishTimeoutMs: config.publish_timeout * 1000,
    publishPriority: config.publish_priority,
    durability: config.serve.durability,
    tls: { caCert: config.tls.ca_cert, certFile: config.tls.certfile, keyFile: config.tls.keyfile },
    clientProperties: config.client_properties,
    // A hub token from the environment rather than a flag: flags show up in `ps`.
    ...(process.env['TIDINGS_TOKEN'] ? { token: process.env['TIDINGS_TOKEN'] } : {}),
  };
}

export async function connectBus(config: TidingsConfig, logger: Logger, name: string): Promise<Bus> {
  logger.debug({ url: maskUrl(config.url) }, 'connecting to the bus');
  return connect(config.url, busOptions(config, logger, name));
}

/** Runs `stop` on the first SIGINT/SIGTERM; a second signal exits at once. */
export function onShutdownSignal(stop: (signal: NodeJS.Signals) => void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(130);
    stopping = true;
    stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Writes a line to stdout; a closed pipe (`| head`) ends the command quietly. */
export function writeLine(line: string): void {
  process.stdout.write(line + '\n');
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
