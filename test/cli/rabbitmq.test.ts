/**
 * The CLI on RabbitMQ: every client command with --url amqp://…, and `tidings serve` running its bus
 * on RabbitMQ (amqp_url) while hub clients (--url http://…) share that bus with direct AMQP clients.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, closedPort, killAll, makeTempDir, runTidings, startConsuming, startServe, type Server } from '../helpers/processes.js';
import { ensureRabbitMq } from '../helpers/rabbitmq.js';
import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { uniqueName } from '../helpers/messages.js';

describe('the CLI on RabbitMQ', { timeout: 90_000 }, () => {
  let amqp: string;
  let server: Server;
  let dir: string;

  before(async () => {
    amqp = await ensureRabbitMq();
    dir = makeTempDir();
    server = await startServe(join(dir, 'data'), { env: { TIDINGS_AMQP_URL: amqp } });
  });
  afterEach(() => killAll([server.proc]));
  after(async () => {
    await cleanup();
    // serve's archive queue (bound to '#') outlives serve on the broker: remove it from the test vhost.
    const transport = await AmqpTransport.connect(amqp);
    for (const queue of ['tidings.archive', 'tidings.archive.dlq']) await transport.deleteQueue(queue).catch(() => undefined);
    await transport.close();
  });

  test('serve reports its bus as RabbitMQ and is ready', async () => {
    const response = await fetch(`${server.url}/healthz/ready`);
    assert.equal(response.status, 200);
    assert.match(server.proc.stdout, /RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1/);
  });

  test('a hub client and a direct AMQP client share serve\'s RabbitMQ bus, both ways', async () => {
    const root = uniqueName('cli');
    const direct = await startConsuming(['tail', '--json', `${root}.#`], { env: { TIDINGS_URL: amqp } });
    const viaHub = await startConsuming(['tail', '--json', `${root}.#`], { env: { TIDINGS_URL: server.url } });
    const fromHub = await runTidings(['publish', '--topic', `${root}.from.hub`, '--body', '{"via": "hub"}'], { env: { TIDINGS_URL: server.url } });
    assert.equal(fromHub.code, 0, fromHub.stderr);
    const fromAmqp = await runTidings(['publish', '--url', amqp, '--topic', `${root}.from.amqp`, '--body', '{"via": "amqp"}']);
    assert.equal(fromAmqp.code, 0, fromAmqp.stderr);
    const expected = [fromHub.lines[0]!.split(' ')[0], fromAmqp.lines[0]!.split(' ')[0]];
    for (const tail of [direct, viaHub]) {
      const lines = await tail.waitForLines(2);
      assert.deepEqual(lines.map((line) => (JSON.parse(line) as { id: string }).id), expected);
    }
  });

  test('consume on a named queue runs the callback and exits with the halt code', async () => {
    const root = uniqueName('consume');
    const queue = uniqueName('cli-q');
    const seen = join(dir, `${queue}.seen`);
    const callback = join(dir, `${queue}.mjs`);
    writeFileSync(
      callback,
      `import { appendFileSync } from 'node:fs';
       export default (message, context) => {
         appendFileSync(${JSON.stringify(seen)}, message.id + '\\n');
         if (message.body.stop) throw new context.outcomes.HaltConsumer({ exitCode: 7 });
       };`,
    );
    const consumer = await startConsuming(['consume', '--url', amqp, '--queue-name', queue, '--routing-key', `${root}.#`, '--callback', `${callback}:default`]);
    const file = join(dir, `${queue}.jsonl`);
    writeFileSync(file, [{ n: 1 }, { n: 2 }, { stop: true }].map((body) => JSON.stringify({ topic: `${root}.work`, body })).join('\n'));
    const published = await runTidings(['publish', '--url', amqp, file]);
    assert.equal(published.code, 0, published.stderr);
    const exit = await consumer.waitForExit();
    assert.equal(exit.code, 7, consumer.stderr);
  });

  test('consume takes its topology from a fedora-messaging style config: exchanges, every queue, bindings, qos', async () => {
    const exchange = uniqueName('tidings.config-x');
    const [first, second] = [uniqueName('config-a'), uniqueName('config-b')];
    const seen = join(dir, `${first}.seen`);
    const callback = join(dir, `${first}.mjs`);
    writeFileSync(
      callback,
      `import { appendFileSync } from 'node:fs';
       export default (message, context) => {
         appendFileSync(${JSON.stringify(seen)}, message.queue + ' ' + message.body.n + '\\n');
         if (message.body.n === context.config.stop_at) throw new context.outcomes.HaltConsumer({ exitCode: 0 });
       };`,
    );
    const config = join(dir, `${first}.toml`);
    writeFileSync(
      config,
      `amqp_url = "${amqp}"
publish_exchange = "${exchange}"
callback = "${callback}:default"
[exchanges."${exchange}"]
type = "topic"
durable = true
[queues."${first}"]
durable = true
[queues."${second}"]
durable = true
[[bindings]]
queue = "${first}"
exchange = "${exchange}"
routing_keys = ["config.a.#"]
[[bindings]]
queue = "${second}"
exchange = "${exchange}"
routing_keys = ["config.b.#"]
[qos]
prefetch_count = 5
[consumer_config]
stop_at = 3
`,
    );
    const consumer = await startConsuming(['consume', '--config', config]);
    for (const [topic, n] of [['config.a.one', 1], ['config.b.two', 2], ['config.b.three', 3]] as const) {
      const published = await runTidings(['publish', '--config', config, '--topic', topic, '--body', JSON.stringify({ n })]);
      assert.equal(published.code, 0, published.stderr);
    }
    const exit = await consumer.waitForExit();
    assert.equal(exit.code, 0, consumer.stderr);
    const lines = readFileSync(seen, 'utf8').trim().split('\n').sort();
    assert.deepEqual(lines, [`${first} 1`, `${second} 2`, `${second} 3`]);
  });

  test('an unreachable broker exits 14 and says where it tried', async () => {
    const port = await closedPort();
    const result = await runTidings(['publish', '--url', `amqp://guest:secret@127.0.0.1:${port}/`, '--topic', 'a.b', '--body', '{}']);
    assert.equal(result.code, 14, result.stderr);
    assert.match(result.stderr, new RegExp(`could not connect to RabbitMQ at amqp://guest:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(result.stderr, /secret/, 'the password never reaches the terminal');
  });

  test('a wrong password exits 14 and says to check the credentials', async () => {
    const url = new URL(amqp);
    url.password = 'wrong-password';
    const result = await runTidings(['publish', '--url', url.toString(), '--topic', 'a.b', '--body', '{}']);
    assert.equal(result.code, 14, result.stderr);
    assert.match(result.stderr, /user name and password/);
  });
});
