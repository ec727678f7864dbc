/**
 * `tidings consume --since`: what the archive holds since a time, then what arrives live, each id
 * once; and `tidings query` / `tidings replay` over the archive of a running serve.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, killAll, makeTempDir, runTidings, startConsuming, startServe, type Server } from '../helpers/processes.js';
import { eventually } from '../helpers/deliveries.js';

describe('the archive from the command line', { timeout: 60_000 }, () => {
  let server: Server;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    dir = makeTempDir();
    server = await startServe(join(dir, 'data'));
    env = { TIDINGS_URL: server.url };
  });
  afterEach(() => killAll([server.proc]));
  after(cleanup);

  const publish = async (topic: string, body: Record<string, unknown>): Promise<string> => {
    const result = await runTidings(['publish', '--topic', topic, '--body', JSON.stringify(body)], { env });
    assert.equal(result.code, 0, result.stderr);
    return result.lines[0]!.split(' ')[0]!;
  };

  const archived = async (category: string, count: number): Promise<void> =>
    eventually(async () => {
      const answer = (await (await fetch(`${server.url}/raw?category=${category}`)).json()) as { total: number };
      return answer.total >= count;
    }, `${count} ${category} messages archived`);

  test('consume --since: history first, then live, each id once, in order', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const old = [await publish('org.example.prod.since.one', { n: 1 }), await publish('org.example.prod.since.two', { n: 2 })];
    await publish('org.example.prod.other.noise', { n: 0 }); // not bound: never handled
    await archived('since', 2);
    const seen = join(dir, 'since.seen');
    const callback = join(dir, 'since.mjs');
    writeFileSync(
      callback,
      `import { appendFileSync } from 'node:fs';
       export default (message, context) => {
         appendFileSync(${JSON.stringify(seen)}, message.id + '\\n');
         if (message.body.stop) throw new context.outcomes.HaltConsumer({ exitCode: 0 });
       };`,
    );
    const consumer = await startConsuming(
      ['consume', '--since', String(since), '--routing-key', 'org.example.prod.since.#', '--callback', `${callback}:default`],
      { env },
    );
    await eventually(() => {
      try {
        return readFileSync(seen, 'utf8').trim().split('\n').length >= 2;
      } catch {
        return false;
      }
    }, 'the history was handled');
    const live = [await publish('org.example.prod.since.three', { n: 3 }), await publish('org.example.prod.since.stop', { stop: true })];
    const exit = await consumer.waitForExit();
    assert.equal(exit.code, 0, consumer.stderr);
    assert.deepEqual(readFileSync(seen, 'utf8').trim().split('\n'), [...old, ...live]);
  });

  test('query prints readable lines or JSON Lines; replay publishes a message again with its id', async () => {
    const id = await publish('org.example.prod.queried.thing', { name: 'kernel' });
    await archived('queried', 1);
    const readable = await runTidings(['query', '--category', 'queried'], { env });
    assert.equal(readable.code, 0, readable.stderr);
    assert.match(readable.lines[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  org\.example\.prod\.queried\.thing  name=kernel$/);
    const json = await runTidings(['query', '--category', 'queried', '--json'], { env });
    assert.equal((JSON.parse(json.lines[0]!) as { id: string }).id, id);
    const tail = await startConsuming(['tail', '--json', 'org.example.prod.queried.#'], { env });
    const replayed = await runTidings(['replay', id], { env });
    assert.equal(replayed.code, 0, replayed.stderr);
    const [line] = await tail.waitForLines(1);
    assert.equal((JSON.parse(line!) as { id: string }).id, id);
    const bad = await runTidings(['query', '--rows', '500'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /rows_per_page must be at most 100/);
  });
});
