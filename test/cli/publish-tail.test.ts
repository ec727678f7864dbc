/**
 * `tidings publish` and `tidings tail` as a user runs them: serve, a tail and a publisher, each its
 * own process, talking through the hub.
 */
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, killAll, makeTempDir, runTidings, startConsuming, startServe, type Server } from '../helpers/processes.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Line {
  topic: string;
  id: string;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
  queue: string | null;
}

describe('tidings publish → tidings tail (separate processes)', { timeout: 60_000 }, () => {
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

  test('tail --json prints the exact message a JSON Lines file published (id, topic, headers, body)', async () => {
    const tail = await startConsuming(['tail', '--json', 'org.example.#'], { env });
    const sent = [
      {
        topic: 'org.example.prod.bars.thing.happened',
        id: 'e2e-file-1',
        headers: { fedora_messaging_user_alice: true, x_origin: 'e2e' },
        body: { name: 'kernel', owner: 'alice', nested: { list: [1, 'two', null], 'ünï': 'cödé' } },
      },
      { topic: 'org.example.prod.bars.thing.removed', id: 'e2e-file-2', headers: {}, body: { name: 'glibc' } },
      // Not under org.example: the tail's pattern must keep it out.
      { topic: 'com.other.thing', id: 'e2e-file-other', headers: {}, body: {} },
    ];
    const file = join(dir, 'messages.jsonl');
    writeFileSync(file, sent.map((message) => JSON.stringify(message)).join('\n') + '\n');

    const published = await runTidings(['publish', file], { env });
    assert.equal(published.code, 0, published.stderr);
    assert.deepEqual(
      [...published.lines].sort(),
      sent.map((message) => `${message.id} ${message.topic}`).sort(),
      'publish prints "<id> <topic>" once per message',
    );

    const lines = (await tail.waitForLines(2)).map((line) => JSON.parse(line) as Line);
    assert.deepEqual(
      lines.map(({ id, topic, body }) => ({ id, topic, body })),
      sent.slice(0, 2).map(({ id, topic, body }) => ({ id, topic, body })),
    );
    // Headers the publisher set are kept, and the bus adds fedora-messaging's.
    assert.equal(lines[0]!.headers['fedora_messaging_user_alice'], true);
    assert.equal(lines[0]!.headers['x_origin'], 'e2e');
    assert.equal(lines[0]!.headers['fedora_messaging_schema'], 'base.message');
    assert.equal(lines[0]!.headers['fedora_messaging_severity'], 20);
    assert.match(String(lines[0]!.headers['sent-at']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    assert.match(String(lines[0]!.queue), /^amq\.gen-/, 'a tail reads from a server-named queue');

    // The message outside the pattern never shows: a sentinel published after it is the next line.
    const sentinel = await runTidings(['publish', '--topic', 'org.example.sentinel', '--body', '{"last": true}'], { env });
    assert.equal(sentinel.code, 0, sentinel.stderr);
    const all = await tail.waitForLines(3);
    assert.equal(all.length, 3, `exactly one more line after the sentinel, got:\n${all.join('\n')}`);
    assert.equal((JSON.parse(all[2]!) as Line).topic, 'org.example.sentinel');
  });

  test('tail without --json prints one readable line: time, topic, severity mark and summary', async () => {
    const tail = await startConsuming(['tail', 'org.example.readable.#'], { env });
    const file = join(dir, 'readable.jsonl');
    writeFileSync(
      file,
      [
        { topic: 'org.example.readable.thing', headers: { 'sent-at': '2024-07-30T19:12:22+00:00' }, body: { name: 'kernel', owner: 'alice' } },
        // Control characters in a body must not reach the terminal.
        { topic: 'org.example.readable.evil', headers: { 'sent-at': '2024-07-30T19:12:23+00:00' }, body: { text: 'a\u001b[31mred\nnext' } },
      ]
        .map((message) => JSON.stringify(message))
        .join('\n'),
    );
    const published = await runTidings(['publish', file], { env });
    assert.equal(published.code, 0, published.stderr);
    const warned = await runTidings(
      ['publish', '--topic', 'org.example.readable.warned', '--body', '{"disk": "full"}', '--severity', 'WARNING'],
      { env },
    );
    assert.equal(warned.code, 0, warned.stderr);

    const lines = await tail.waitForLines(3);
    assert.equal(lines[0], '2024-07-30 19:12:22  org.example.readable.thing  name=kernel owner=alice');
    assert.equal(lines[1], '2024-07-30 19:12:23  org.example.readable.evil  text=a [31mred next');
    assert.match(lines[2]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  org\.example\.readable\.warned  WARNING  disk=full$/);
    for (const line of lines) assert.doesNotMatch(line, /[\u0000-\u001f]/, 'no control characters in tail output');
  });

  test('tail --user and --package show only messages concerning them (facts declared in the headers)', async () => {
    const tail = await startConsuming(['tail', '--json', '--user', 'alice', '--package', 'kernel', 'org.example.facts.#'], { env });
    const file = join(dir, 'facts.jsonl');
    const messages = [
      { id: 'facts-1', headers: { fedora_messaging_user_bob: true, fedora_messaging_rpm_kernel: true } },
      { id: 'facts-2', headers: { fedora_messaging_user_alice: true, fedora_messaging_rpm_glibc: true } },
      { id: 'facts-3', headers: { fedora_messaging_user_alice: true, fedora_messaging_rpm_kernel: true } },
      { id: 'facts-4', headers: {} },
      { id: 'facts-5', headers: { fedora_messaging_user_alice: true, fedora_messaging_rpm_kernel: true } },
    ];
    writeFileSync(
      file,
      messages.map((m) => JSON.stringify({ ...m, topic: 'org.example.facts.thing', body: { note: m.id } })).join('\n'),
    );
    const published = await runTidings(['publish', file], { env });
    assert.equal(published.code, 0, published.stderr);
    const lines = (await tail.waitForLines(2)).map((line) => JSON.parse(line) as Line);
    assert.deepEqual(lines.map((line) => line.id), ['facts-3', 'facts-5'], 'only alice AND kernel, in order');
  });

  test('publish --topic T --body JSON publishes one message and prints "<id> <topic>"', async () => {
    const tail = await startConsuming(['tail', '--json', 'org.example.flags.#'], { env });
    const result = await runTidings(['publish', '--topic', 'org.example.flags.one', '--body', '{"answer": 42, "list": ["a"]}'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.lines.length, 1);
    const [id, topic] = result.lines[0]!.split(' ');
    assert.match(id!, UUID, 'a new message gets a UUID4 id');
    assert.equal(topic, 'org.example.flags.one');

    const [line] = await tail.waitForLines(1);
    const received = JSON.parse(line!) as Line;
    assert.deepEqual({ id: received.id, topic: received.topic, body: received.body }, {
      id,
      topic: 'org.example.flags.one',
      body: { answer: 42, list: ['a'] },
    });
  });

  test('publish - reads several JSON Lines from stdin, in order, skipping blank lines', async () => {
    const tail = await startConsuming(['tail', '--json', 'org.example.stdin.#'], { env });
    const input = ['{"topic": "org.example.stdin.a", "body": {"n": 1}}', '', '{"topic": "org.example.stdin.b", "body": {"n": 2}}', '{"topic": "org.example.stdin.c", "body": {"n": 3}, "id": "stdin-3"}']
      .join('\n')
      .concat('\n');
    const result = await runTidings(['publish', '-'], { env, input });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.lines.length, 3, result.stdout);
    const printed = result.lines.map((line) => line.split(' '));
    assert.deepEqual(printed.map(([, topic]) => topic), ['org.example.stdin.a', 'org.example.stdin.b', 'org.example.stdin.c']);
    assert.match(printed[0]![0]!, UUID);
    assert.equal(printed[2]![0], 'stdin-3', 'an id given in the line is kept');

    const received = (await tail.waitForLines(3)).map((line) => JSON.parse(line) as Line);
    assert.deepEqual(
      received.map(({ id, topic, body }) => ({ id, topic, body })),
      printed.map(([id, topic], n) => ({ id, topic, body: { n: n + 1 } })),
    );
  });

  test('tail with the default pattern sees every topic; two tails each get their own copy', async () => {
    const everything = await startConsuming(['tail', '--json'], { env });
    const narrow = await startConsuming(['tail', '--json', 'org.example.copies.*'], { env });
    const input = [
      '{"topic": "net.elsewhere.copies.x", "body": {"n": 1}}',
      '{"topic": "org.example.copies.x", "body": {"n": 2}}',
      '{"topic": "org.example.copies.x.deeper", "body": {"n": 3}}',
    ].join('\n');
    const result = await runTidings(['publish', '-'], { env, input });
    assert.equal(result.code, 0, result.stderr);
    const all = (await everything.waitForLines(3)).map((line) => (JSON.parse(line) as Line).body['n']);
    assert.deepEqual(all, [1, 2, 3]);
    // `*` is exactly one word: n=3 must not reach the narrow tail, proven by a sentinel after it.
    const sentinel = await runTidings(['publish', '--topic', 'org.example.copies.end', '--body', '{"n": 4}'], { env });
    assert.equal(sentinel.code, 0, sentinel.stderr);
    const narrowed = (await narrow.waitFor(() => (narrow.lines().some((line) => line.includes('"n":4')) ? narrow.lines() : undefined), 'the sentinel'))
      .map((line) => (JSON.parse(line) as Line).body['n']);
    assert.deepEqual(narrowed, [2, 4]);
  });
});
