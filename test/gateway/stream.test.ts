/**
 * Live streams against a real `tidings serve`: SSE with filters, the WebSocket protocol and its
 * error frames, a slow WebSocket client let go while fast ones get everything, and resuming after
 * a message id from the archive with no gap and no id twice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { connect } from '../../src/connect.js';
import type { Bus } from '../../src/bus/index.js';
import type { RunningServer } from '../../src/cli/serve.js';
import { startTestServer } from '../helpers/server.js';
import { eventually, withTimeout } from '../helpers/deliveries.js';
import { categoryOf } from '../../src/message/index.js';
import { FilterIndex, matchesFilter, type StreamFilter } from '../../src/gateway/stream/index.js';

interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/** An SSE client over fetch: parses events as they arrive. */
class SseClient {
  readonly events: SseEvent[] = [];

  private constructor(
    readonly status: number,
    readonly body: string,
    private readonly abort: AbortController,
  ) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    const client = new SseClient(response.status, response.status === 200 ? '' : await response.text(), abort);
    if (response.status === 200) void client.read(response.body!);
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of body) {
        buffered += decoder.decode(chunk, { stream: true });
        for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ''));
          }
          if (fields.has('data')) this.events.push({ id: fields.get('id'), event: fields.get('event') ?? 'message', data: fields.get('data')! });
        }
      }
    } catch {
      // aborted by close()
    }
  }

  messages(): Array<{ id: string; topic: string; body: Record<string, unknown>; usernames: string[]; summary: string }> {
    return this.events.filter((event) => event.event === 'message').map((event) => JSON.parse(event.data));
  }

  ids(): string[] {
    return this.messages().map((message) => message.id);
  }

  async waitForId(id: string, what: string): Promise<void> {
    await eventually(() => this.ids().includes(id), what, 15_000);
  }

  close(): void {
    this.abort.abort();
  }
}

type Frame = Record<string, unknown> & { type: string };

/** A WebSocket stream client that keeps every frame it receives. */
class WsClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Frame));
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(base: string): Promise<WsClient> {
    const client = new WsClient(new WebSocket(`${base.replace(/^http/, 'ws')}/api/v1/ws`));
    await eventually(() => client.frames.some((frame) => frame.type === 'welcome'), 'the welcome frame');
    return client;
  }

  /** Sends a frame and waits for the next answer that is not a message. */
  async request(frame: unknown): Promise<Frame> {
    const seen = this.frames.length;
    this.socket.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
    await eventually(() => this.frames.slice(seen).some((f) => f.type !== 'message'), `an answer to ${String(JSON.stringify(frame)).slice(0, 80)}`);
    return this.frames.slice(seen).find((f) => f.type !== 'message')!;
  }

  /** (subscription, message id) of every message frame. */
  deliveries(subscription?: string): Array<[string, string]> {
    return this.frames
      .filter((frame) => frame.type === 'message' && (subscription === undefined || frame['subscription'] === subscription))
      .map((frame) => [frame['subscription'] as string, (frame['message'] as { id: string }).id]);
  }

  ids(subscription?: string): string[] {
    return this.deliveries(subscription).map(([, id]) => id);
  }

  close(): void {
    this.socket.close();
  }
}

describe('live streams', { timeout: 120_000 }, () => {
  let dir: string;
  let server: RunningServer;
  let bus: Bus;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidings-stream-'));
    server = await startTestServer(dir);
    bus = await connect(server.url);
  });
  after(async () => {
    await bus.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const publish = async (topic: string, users: string[] = [], body: Record<string, unknown> = {}): Promise<string> => {
    const headers = Object.fromEntries(users.map((user) => [`fedora_messaging_user_${user}`, true]));
    return (await bus.publish({ topic, body: { ...body, topic }, headers })).id;
  };

  const archived = (id: string): Promise<void> =>
    eventually(async () => (await fetch(`${server.url}/v2/id?id=${id}`)).status === 200, `${id} is archived`);

  test('SSE sends the messages that pass every kind of filter (OR within a kind), as id/event/data', async () => {
    const stream = await SseClient.open(`${server.url}/api/v1/stream?topic=org.example.prod.sse.*.done&user=alice&user=bob`);
    assert.equal(stream.status, 200);
    const byCategory = await SseClient.open(`${server.url}/api/v1/stream?category=ssecat`);
    try {
      const a = await publish('org.example.prod.sse.build.done', ['alice']);
      await publish('org.example.prod.sse.build.done', ['carol']);
      await publish('org.example.prod.sse.build.started', ['alice']);
      const cat = await publish('org.example.prod.ssecat.thing', []);
      const d = await publish('org.example.prod.sse.test.done', ['bob', 'carol']);
      await stream.waitForId(d, 'the last matching message');
      assert.deepEqual(stream.ids(), [a, d]);
      const first = stream.events[0]!;
      assert.equal(first.id, a);
      assert.equal(first.event, 'message');
      const message = stream.messages()[1]!;
      assert.equal(message.topic, 'org.example.prod.sse.test.done');
      assert.deepEqual(message.usernames, ['bob', 'carol']);
      assert.equal(message.body['topic'], 'org.example.prod.sse.test.done');
      assert.equal(typeof message.summary, 'string');
      await byCategory.waitForId(cat, 'the category message');
      assert.deepEqual(byCategory.ids(), [cat]);
    } finally {
      stream.close();
      byCategory.close();
    }
  });

  test('SSE refuses a bad filter with a 400 that names the problem', async () => {
    const badPattern = await SseClient.open(`${server.url}/api/v1/stream?topic=org..example`);
    assert.equal(badPattern.status, 400);
    assert.equal(JSON.parse(badPattern.body).code, 'FILTER_INVALID');
    assert.match(JSON.parse(badPattern.body).error, /empty word/);
    const unknown = await SseClient.open(`${server.url}/api/v1/stream?topics=org.example.%23`);
    assert.equal(unknown.status, 400);
    assert.match(JSON.parse(unknown.body).error, /unknown parameter "topics"/);
    const mixed = await SseClient.open(`${server.url}/api/v1/stream?topic=org.exa%23mple`);
    assert.equal(mixed.status, 400);
  });

  test('SSE resumes after Last-Event-ID from the archive, then goes live: no gap, no id twice', async () => {
    const url = `${server.url}/api/v1/stream?topic=org.example.prod.resume.%23`;
    const first = await SseClient.open(url);
    const before = [];
    for (let i = 0; i < 3; i++) {
      before.push(await publish(`org.example.prod.resume.a${i}`));
      await publish('org.example.prod.unrelated.noise');
    }
    await first.waitForId(before[2]!, 'the first batch');
    first.close();
    await archived(before[2]!);

    const missed = [];
    for (let i = 0; i < 3; i++) {
      missed.push(await publish(`org.example.prod.resume.b${i}`));
      await publish('org.example.prod.unrelated.noise');
    }
    // Published while the resume reads the archive and switches to live: the seam.
    const during: string[] = [];
    const publishing = (async () => {
      for (let i = 0; i < 30; i++) during.push(await publish(`org.example.prod.resume.c${i}`));
    })();
    const resumed = await SseClient.open(url, { 'last-event-id': before[2]! });
    assert.equal(resumed.status, 200);
    await publishing;
    const later = [await publish('org.example.prod.resume.d0'), await publish('org.example.prod.resume.d1')];
    await resumed.waitForId(later[1]!, 'the last live message');
    assert.deepEqual(resumed.ids(), [...missed, ...during, ...later]);

    // Without EventSource: the id in the query.
    const byQuery = await SseClient.open(`${url}&lastEventId=${missed[2]}`);
    const last = await publish('org.example.prod.resume.e0');
    await byQuery.waitForId(last, 'the live message after the replay');
    assert.deepEqual(byQuery.ids(), [...during, ...later, last]);
    resumed.close();
    byQuery.close();
  });

  test('SSE refuses a Last-Event-ID the archive does not know with a 400', async () => {
    const answer = await SseClient.open(`${server.url}/api/v1/stream?topic=org.example.%23`, { 'last-event-id': 'no-such-message' });
    assert.equal(answer.status, 400);
    const body = JSON.parse(answer.body);
    assert.equal(body.code, 'RESUME_UNKNOWN_ID');
    assert.match(body.error, /no message with id "no-such-message"/);
  });

  test('WebSocket: subscribe and unsubscribe, one frame per matching subscription', async () => {
    const ws = await WsClient.open(server.url);
    try {
      assert.deepEqual(await ws.request({ op: 'subscribe', id: 's1', topic: ['org.example.prod.ws.#'] }), { type: 'subscribed', id: 's1' });
      assert.deepEqual(await ws.request({ op: 'subscribe', id: 's2', user: 'dave' }), { type: 'subscribed', id: 's2' });
      const m1 = await publish('org.example.prod.ws.a');
      const m2 = await publish('org.example.prod.elsewhere.b', ['dave']);
      const m3 = await publish('org.example.prod.ws.c', ['dave']);
      await eventually(() => ws.ids('s2').includes(m3) && ws.ids('s1').includes(m3), 'm3 on both subscriptions');
      assert.deepEqual(ws.ids('s1'), [m1, m3]);
      assert.deepEqual(ws.ids('s2'), [m2, m3]);
      const frame = ws.frames.find((f) => f.type === 'message')!;
      assert.equal((frame['message'] as { topic: string }).topic, 'org.example.prod.ws.a');

      assert.deepEqual(await ws.request({ op: 'unsubscribe', id: 's1' }), { type: 'unsubscribed', id: 's1' });
      const m4 = await publish('org.example.prod.ws.d');
      const m5 = await publish('org.example.prod.elsewhere.e', ['dave']);
      await eventually(() => ws.ids('s2').includes(m5), 'm5 on s2');
      assert.equal(ws.ids().includes(m4), false, 'nothing for the unsubscribed s1');
      const unknown = await ws.request({ op: 'unsubscribe', id: 's1' });
      assert.equal(unknown['code'], 'SUBSCRIPTION_UNKNOWN');
    } finally {
      ws.close();
    }
  });

  test('WebSocket: bad frames get error frames and the connection stays usable', async () => {
    const ws = await WsClient.open(server.url);
    try {
      const cases: Array<[unknown, string, string | undefined]> = [
        ['not json{', 'FRAME_MALFORMED', undefined],
        ['[1,2]', 'FRAME_MALFORMED', undefined],
        [{ op: 'dance', id: 'x' }, 'OP_UNKNOWN', 'x'],
        [{ op: 'subscribe' }, 'FRAME_MALFORMED', undefined],
        [{ op: 'subscribe', id: 'b', topic: ['org..x'] }, 'FILTER_INVALID', 'b'],
        [{ op: 'subscribe', id: 'b', topic: ['org.x*'] }, 'FILTER_INVALID', 'b'],
        [{ op: 'subscribe', id: 'b', topic: 42 }, 'FILTER_INVALID', 'b'],
        [{ op: 'subscribe', id: 'b', topics: ['org.#'] }, 'FRAME_MALFORMED', 'b'],
        [{ op: 'subscribe', id: 'big', topic: ['x'.repeat(70_000)] }, 'FRAME_TOO_LARGE', undefined],
        [Buffer.from([1, 2, 3]), 'FRAME_MALFORMED', undefined],
      ];
      for (const [frame, code, id] of cases) {
        const answer = await ws.request(frame);
        assert.equal(answer.type, 'error', JSON.stringify(answer));
        assert.equal(answer['code'], code, `${String(JSON.stringify(frame)).slice(0, 60)}: ${JSON.stringify(answer)}`);
        assert.equal(answer['id'], id);
        assert.equal(typeof answer['message'], 'string');
      }
      for (let i = 0; i < 25; i++) assert.equal((await ws.request({ op: 'subscribe', id: `n${i}`, topic: `org.example.prod.many.n${i}` })).type, 'subscribed');
      assert.equal((await ws.request({ op: 'subscribe', id: 'n0', topic: 'org.#' }))['code'], 'SUBSCRIPTION_EXISTS');
      assert.equal((await ws.request({ op: 'subscribe', id: 'n25', topic: 'org.#' }))['code'], 'SUBSCRIPTION_LIMIT');
      // Still open and working.
      const id = await publish('org.example.prod.many.n3');
      await eventually(() => ws.ids('n3').includes(id), 'a message after the errors');
      assert.equal(ws.socket.readyState, WebSocket.OPEN);
    } finally {
      ws.close();
    }
  });

  test('WebSocket: a client that keeps sending bad frames is closed with 1008', async () => {
    const ws = await WsClient.open(server.url);
    for (let i = 0; i < 21; i++) ws.socket.send('nope');
    const closed = await withTimeout(ws.closed, 5_000, () => 'the abusive client was not closed');
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /TOO_MANY_BAD_FRAMES/);
  });

  test('a client that stops reading is dropped (WebSocket 4008, SSE error event) while fast clients get every message', async () => {
    const topic = 'org.example.prod.flood.chunk';
    const fast = [await WsClient.open(server.url), await WsClient.open(server.url)];
    const slow = await WsClient.open(server.url);
    for (const client of [...fast, slow]) assert.equal((await client.request({ op: 'subscribe', id: 'flood', topic: 'org.example.prod.flood.#' })).type, 'subscribed');
    slow.socket.pause();
    // An SSE client on a bare TCP socket, so that it can stop reading; only the end of what it gets is kept.
    const { port } = new URL(server.url);
    const sse = createConnection({ host: '127.0.0.1', port: Number(port) });
    let sseTail = '';
    sse.on('data', (chunk: Buffer) => (sseTail = (sseTail + chunk.toString('latin1')).slice(-4096)));
    sse.write(`GET /api/v1/stream?topic=org.example.prod.flood.%23 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    await eventually(() => sseTail.includes(': tidings live stream'), 'the SSE stream started');
    sse.pause();
    // 10 MB in all: far past what the slow client's kernel buffers and the 1 MiB bound hold. The
    // fast clients live in this process, which also publishes: each 500 kB batch waits until they
    // have read the last one, so "fast" means keeping up, whatever the machine's load.
    const pad = 'x'.repeat(100_000);
    const ids: string[] = [];
    for (let batch = 0; batch < 20; batch++) {
      ids.push(...(await Promise.all(Array.from({ length: 5 }, (_, i) => publish(topic, [], { n: batch * 5 + i, pad })))));
      for (const client of fast) {
        await eventually(() => client.ids('flood').length >= ids.length, 'the fast clients have every message', 30_000).catch((error: Error) => {
          const dropped = client.socket.readyState !== WebSocket.OPEN ? `; it was closed: ${JSON.stringify(client.frames.at(-1))}` : '';
          throw new Error(`${error.message} (a fast client has ${client.ids('flood').length} of ${ids.length}${dropped})`);
        });
      }
    }
    slow.socket.resume();
    sse.resume();
    const closed = await withTimeout(slow.closed, 30_000, () => 'the slow client was not closed');
    await eventually(() => sseTail.includes('event: error\ndata: {"code":"CLIENT_TOO_SLOW","message":"too slow: more than 1 MiB waiting to be sent"}'), 'the SSE client was told why it was dropped', 30_000);
    assert.match(sseTail, /CLIENT_TOO_SLOW[^\n]*\n\n\r\n0\r\n\r\n$/, 'and the response ended there');
    sse.destroy();
    assert.equal(closed.code, 4008);
    assert.match(closed.reason, /^CLIENT_TOO_SLOW: too slow: more than 1 MiB waiting to be sent/);
    assert.equal(slow.frames.at(-1)?.['code'], 'CLIENT_TOO_SLOW');
    assert.ok(slow.ids('flood').length < ids.length, `the slow client got ${slow.ids('flood').length} of ${ids.length}`);
    const published = new Set(ids);
    for (const client of fast) {
      assert.equal(client.ids('flood').length, ids.length);
      assert.deepEqual(new Set(client.ids('flood')), published);
      assert.equal(client.socket.readyState, WebSocket.OPEN);
      client.close();
    }
  });

  test('WebSocket: "after" resumes a subscription from the archive, then live, each id once', async () => {
    const first = await publish('org.example.prod.wsresume.a');
    const missed = [await publish('org.example.prod.wsresume.b'), await publish('org.example.prod.wsresume.c')];
    await archived(missed[1]!);
    const ws = await WsClient.open(server.url);
    try {
      const answer = await ws.request({ op: 'subscribe', id: 'r', topic: 'org.example.prod.wsresume.*', after: first });
      assert.deepEqual(answer, { type: 'subscribed', id: 'r', replayed: 2 });
      const live = await publish('org.example.prod.wsresume.d');
      await eventually(() => ws.ids('r').includes(live), 'the live message');
      assert.deepEqual(ws.ids('r'), [...missed, live]);
      const unknown = await ws.request({ op: 'subscribe', id: 'u', topic: '#', after: 'no-such-id' });
      assert.deepEqual([unknown['code'], unknown['id']], ['RESUME_UNKNOWN_ID', 'u']);
    } finally {
      ws.close();
    }
  });
});

describe('the filter index', () => {
  // A small deterministic generator, so a failure can be replayed.
  let seed = 42;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const some = <T>(values: readonly T[], max: number): T[] => [...new Set(Array.from({ length: Math.floor(random() * (max + 1)) }, () => pick(values)))];
  const words = ['org', 'example', 'prod', 'buildsys', 'bodhi', 'update', 'build', 'done'];
  const patternWords = [...words, '*', '#'];
  const users = ['alice', 'bob', 'carol'];
  const packages = ['kernel', 'bash', 'glibc'];

  test('finds exactly the subscriptions whose whole filter a message passes, each once, and forgets removed ones', () => {
    const index = new FilterIndex<{ filter: StreamFilter; n: number }>();
    const subscriptions = Array.from({ length: 400 }, (_, n) => ({
      n,
      filter: {
        topic: some(Array.from({ length: 6 }, () => Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(patternWords)).join('.')), 2),
        category: some(['buildsys', 'bodhi', 'example'], 1),
        user: some(users, 2),
        package: some(packages, 1),
      },
    }));
    for (const subscription of subscriptions) index.add(subscription);
    const removed = new Set(subscriptions.filter((s) => s.n % 7 === 0));
    for (const subscription of removed) index.remove(subscription);
    assert.equal(index.size, subscriptions.length - removed.size);
    let matchedSomething = 0;
    for (let i = 0; i < 2000; i++) {
      const topic = Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(words)).join('.');
      const facts = { topic, category: categoryOf(topic), usernames: () => some(users, 2), packages: () => some(packages, 2) };
      const fixed = { ...facts, usernames: ((u) => () => u)(facts.usernames()), packages: ((p) => () => p)(facts.packages()) };
      const found = index.match(fixed).map((s) => s.n).sort((a, b) => a - b);
      const expected = subscriptions.filter((s) => !removed.has(s) && matchesFilter(s.filter, fixed)).map((s) => s.n);
      assert.deepEqual(found, expected, `topic ${topic}, users ${fixed.usernames()}, packages ${fixed.packages()}`);
      if (expected.length) matchedSomething++;
    }
    assert.ok(matchedSomething > 100, `the cases exercise matching (${matchedSomething} matched something)`);
  });
});
