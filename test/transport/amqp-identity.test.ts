/**
 * Each AMQP connection says who holds it — service, host, process, library — in its client
 * properties, read back here the way an operator's view reads them: from RabbitMQ's management API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { createRequire } from 'node:module';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { ensureRabbitMq } from '../helpers/rabbitmq.js';
import { eventually } from '../helpers/deliveries.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
const MANAGEMENT = process.env['TIDINGS_TEST_RABBITMQ_MANAGEMENT_URL'] ?? 'http://guest:guest@127.0.0.1:15672';

interface ManagedConnection {
  readonly client_properties: Record<string, unknown>;
}

async function connectionsAtTheBroker(): Promise<ManagedConnection[]> {
  const base = new URL(MANAGEMENT);
  const auth = Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64');
  let answer: Response;
  try {
    answer = await fetch(new URL('/api/connections', base.origin), { headers: { authorization: `Basic ${auth}` } });
  } catch (error) {
    throw new Error(`RabbitMQ's management API is not reachable at ${base.origin} (${(error as Error).message}): run \`rabbitmq-plugins enable rabbitmq_management\` (bash .ci/run does)`);
  }
  assert.equal(answer.status, 200, `GET /api/connections answered ${answer.status}`);
  return (await answer.json()) as ManagedConnection[];
}

test('an AMQP connection names its service, host, process id and library version at the broker', async () => {
  const name = `tidings-identity-${process.pid}-${Date.now()}`;
  const transport = await AmqpTransport.connect(await ensureRabbitMq(), { name, clientProperties: { app: 'identity test' } });
  try {
    let mine: ManagedConnection | undefined;
    // The management API lists a connection once its statistics have been collected (every few seconds).
    await eventually(async () => {
      mine = (await connectionsAtTheBroker()).find((connection) => connection.client_properties['connection_name'] === name);
      return mine !== undefined;
    }, 'the broker lists the connection', 20_000);
    const properties = mine!.client_properties;
    assert.equal(properties['service'], name);
    assert.equal(properties['host'], hostname());
    assert.equal(properties['pid'], process.pid);
    assert.equal(properties['library_version'], version);
    assert.equal(properties['product'], 'Tidings');
    assert.match(String(properties['platform']), /^Node\.js v\d+/);
    assert.equal(properties['app'], 'identity test', "fedora-messaging's client_properties are kept alongside");
  } finally {
    await transport.close();
  }
});
