/**
 * The real RabbitMQ the AMQP tests run against: a vhost of their own (`tidings-test`), created on
 * first use, so tests never touch other users' queues. `.ci/run` makes sure RabbitMQ is running.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { connect as connectSocket } from 'node:net';

export const TEST_VHOST = 'tidings-test';

export function amqpUrl(): string {
  return process.env['TIDINGS_TEST_AMQP_URL'] ?? `amqp://guest:guest@127.0.0.1:5672/${TEST_VHOST}`;
}

export function rabbitmqctl(...args: string[]): string {
  const result = spawnSync('rabbitmqctl', args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`rabbitmqctl ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

/** rabbitmqctl without blocking the event loop: for faults injected while messages flow. */
export async function rabbitmqctlAsync(...args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('rabbitmqctl', args, { encoding: 'utf8', timeout: 60_000 });
    return stdout;
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new Error(`rabbitmqctl ${args.join(' ')} failed: ${failed.stderr || failed.message}`);
  }
}

let vhostReady = false;

/** Fails loudly when RabbitMQ is not there: these tests are about the real broker. */
export async function ensureRabbitMq(): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const socket = connectSocket(5672, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', (error) =>
      reject(new Error(`RabbitMQ is not listening on 127.0.0.1:5672 (${error.message}): start it with rabbitmq-server -detached`)),
    );
  });
  if (!vhostReady && !process.env['TIDINGS_TEST_AMQP_URL']) {
    const vhosts = rabbitmqctl('list_vhosts', '--quiet', '--no-table-headers').split('\n').map((line) => line.trim());
    if (!vhosts.includes(TEST_VHOST)) {
      rabbitmqctl('add_vhost', TEST_VHOST);
      rabbitmqctl('set_permissions', '-p', TEST_VHOST, 'guest', '.*', '.*', '.*');
    }
    vhostReady = true;
  }
  return amqpUrl();
}
