/**
 * `tidings consume` with a callback file, and `tidings record`, as real processes: exit codes of each
 * way a consumer ends, redelivery to the next consumer of a durable queue, and record → publish.
 */
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cleanup,
  killAll,
  makeTempDir,
  runTidings,
  startConsuming,
  startServe,
  type Proc,
  type Server,
} from '../helpers/processes.js';

/**
 * The callback: appends `{id, redelivered}` to $CALLBACK_LOG (and prints it, so a test can wait for
 * it), then acts on the body:
 * `stop` halts with exit code 0, `halt: N` halts with N, `fail` throws a plain Error while
 * $CALLBACK_FAIL is "1".
 */
const CALLBACK = `
import { appendFileSync } from 'node:fs';

export default async function (message, context) {
  const entry = JSON.stringify({ id: message.id, redelivered: message.redelivered }) + '\\n';
  appendFileSync(process.env.CALLBACK_LOG, entry);
  process.stdout.write(entry);
  if (message.body.fail && process.env.CALLBACK_FAIL === '1') throw new Error('callback refused ' + message.id);
  if (message.body.stop === true) throw new context.outcomes.HaltConsumer({ exitCode: 0 });
  if (typeof message.body.halt === 'number') throw new context.outcomes.HaltConsumer({ exitCode: message.body.halt });
}
`;

interface Logged {
  id: string;
  redelivered: boolean;
}

describe('tidings consume and tidings record (separate processes)', { timeout: 90_000 }, () => {
  let server: Server;
  let dir: string;
  let callback: string;
  let logCount = 0;

  before(async () => {
    dir = makeTempDir();
    server = await startServe(join(dir, 'data'));
    callback = join(dir, 'callback.mjs');
    writeFileSync(callback, CALLBACK);
  });
  afterEach(() => killAll([server.proc]));
  after(cleanup);

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({ TIDINGS_URL: server.url, ...extra });

  function newLog(): string {
    return join(dir, `callback-${logCount++}.log`);
  }

  function readLog(file: string): Logged[] {
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Logged);
  }

  /** Publishes JSON Lines through `tidings publish -`; returns the ids in order. */
  async function publish(...messages: Array<{ topic: string; body: Record<string, unknown> }>): Promise<string[]> {
    const result = await runTidings(['publish', '-'], { env: env(), input: messages.map((m) => JSON.stringify(m)).join('\n') });
    assert.equal(result.code, 0, result.stderr);
    return result.lines.map((line) => line.split(' ')[0]!);
  }

  function consume(queue: string, log: string, extra: Record<string, string> = {}, args: string[] = []): Promise<Proc> {
    return startConsuming(
      ['consume', '--routing-key', 'org.example.#', '--queue-name', queue, '--callback', `${callback}:default`, ...args],
      { env: env({ CALLBACK_LOG: log, ...extra }) },
    );
  }

  test('consume runs the callback for each message and exits 0 after a HaltConsumer({exitCode: 0})', async () => {
    const log = newLog();
    const consumer = await consume('q1', log);
    const ids = await publish(
      { topic: 'org.example.consume.a', body: { n: 1 } },
      { topic: 'com.elsewhere.not.bound', body: { n: 2 } },
      { topic: 'org.example.consume.b', body: { n: 3 } },
      { topic: 'org.example.consume.stop', body: { stop: true } },
    );
    const exit = await consumer.waitForExit();
    assert.deepEqual(exit, { code: 0, signal: null }, consumer.stderr);
    assert.deepEqual(readLog(log).map((entry) => entry.id), [ids[0], ids[2], ids[3]]);
  });

  test('a callback that throws a plain Error exits 13, and the message is redelivered to the next consumer of the queue', async () => {
    const queue = 'q-redeliver';
    const firstLog = newLog();
    const first = await consume(queue, firstLog, { CALLBACK_FAIL: '1' });
    const [failing, after] = await publish(
      { topic: 'org.example.redeliver.fail', body: { fail: true, halt: 0 } },
      { topic: 'org.example.redeliver.after', body: { stop: true } },
    );
    const exit = await first.waitForExit();
    assert.equal(exit.code, 13, first.stderr);
    assert.match(first.stderr, new RegExp(`the handler failed on message ${failing}.*callback refused`));
    assert.deepEqual(readLog(firstLog), [{ id: failing, redelivered: false }], 'the first consumer stopped at the failure');

    // The same durable queue, a callback that now accepts it: the failed message comes first, again.
    const secondLog = newLog();
    const second = await consume(queue, secondLog);
    const secondExit = await second.waitForExit();
    assert.equal(secondExit.code, 0, second.stderr);
    assert.deepEqual(readLog(secondLog), [{ id: failing, redelivered: true }]);
    // It halted (and acked) on the failed message; the next one is still waiting in the queue.
    const thirdLog = newLog();
    const third = await consume(queue, thirdLog);
    assert.equal((await third.waitForExit()).code, 0, third.stderr);
    assert.deepEqual(readLog(thirdLog).map((entry) => entry.id), [after]);
  });

  test('a HaltConsumer with exitCode 7 exits 7', async () => {
    const log = newLog();
    const consumer = await consume('q-halt7', log);
    const [id] = await publish({ topic: 'org.example.halt', body: { halt: 7 } });
    assert.equal((await consumer.waitForExit()).code, 7, consumer.stderr);
    assert.deepEqual(readLog(log).map((entry) => entry.id), [id]);
  });

  test('SIGTERM stops a running consume with exit 0', async () => {
    const log = newLog();
    const consumer = await consume('q-sigterm', log);
    const [id] = await publish({ topic: 'org.example.sigterm', body: { n: 1 } });
    assert.deepEqual(await consumer.waitForLines(1), [JSON.stringify({ id, redelivered: false })]);
    consumer.kill('SIGTERM');
    assert.deepEqual(await consumer.waitForExit(), { code: 0, signal: null }, consumer.stderr);
  });

  test('a callback file that does not exist: exit 1 with a clear message', async () => {
    const missing = join(dir, 'no-such-callback.mjs');
    const result = await runTidings(['consume', '--routing-key', 'org.example.#', '--callback', `${missing}:default`], { env: env() });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`callback file ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} does not exist`));
    assert.match(result.stderr, /CALLBACK_INVALID/);
  });

  test('record OUT --limit 3 writes exactly 3 JSON Lines messages, and publish OUT re-publishes them', async () => {
    const out = join(dir, 'recorded.jsonl');
    const recorder = await startConsuming(['record', out, '--limit', '3', '--routing-key', 'org.example.#'], { env: env() });
    const ids = await publish(
      { topic: 'org.example.record.a', body: { n: 1 } },
      { topic: 'org.example.record.b', body: { n: 2, nested: { deep: [true] } } },
      { topic: 'org.example.record.c', body: { n: 3 } },
      { topic: 'org.example.record.d', body: { n: 4 } },
    );
    assert.equal((await recorder.waitForExit()).code, 0, recorder.stderr);
    const recorded = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; topic: string; body: Record<string, unknown>; headers: Record<string, unknown> });
    assert.equal(recorded.length, 3, `exactly 3 lines in ${out}`);
    assert.deepEqual(recorded.map((message) => message.id), ids.slice(0, 3));
    assert.deepEqual(recorded[1]!.body, { n: 2, nested: { deep: [true] } });
    assert.equal(recorded[0]!.headers['fedora_messaging_schema'], 'base.message');

    const tail = await startConsuming(['tail', '--json', 'org.example.record.#'], { env: env() });
    const republished = await runTidings(['publish', out], { env: env() });
    assert.equal(republished.code, 0, republished.stderr);
    assert.deepEqual(republished.lines, recorded.map((message) => `${message.id} ${message.topic}`));
    const arrived = (await tail.waitForLines(3)).map((line) => JSON.parse(line) as { id: string; topic: string; body: unknown; headers: Record<string, unknown> });
    assert.deepEqual(
      arrived.map(({ id, topic, body }) => ({ id, topic, body })),
      recorded.map(({ id, topic, body }) => ({ id, topic, body })),
    );
    assert.equal(arrived[0]!.headers['sent-at'], recorded[0]!.headers['sent-at'], 'the original sent-at is kept');
  });
});
