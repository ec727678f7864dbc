/**
 * Publishing over HTTP: who may publish what (an authorization matrix), what a consumer can trust
 * (the identity header and the gateway's signature), and what bad input gets (4xx, never a 5xx).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../src/connect.js';
import type { Bus, ReceivedMessage } from '../../src/bus/index.js';
import { checkSignature, formatSentAt, signMessage, SignatureHeader, type Message } from '../../src/message/index.js';
import { IdentityStore, openDatabase, SigningKeyStore, type StoreDatabase } from '../../src/store/index.js';
import type { RunningServer } from '../../src/cli/serve.js';
import { startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/deliveries.js';

describe('POST /api/v1/messages', () => {
  let dir: string;
  let server: RunningServer;
  let database: StoreDatabase;
  let bus: Bus;
  const received: ReceivedMessage[] = [];
  const tokens: Record<string, string> = {};
  const selfKeys = generateKeyPairSync('ed25519');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidings-gateway-'));
    server = await startTestServer(dir);
    database = await openDatabase({ dataDir: dir });
    const identities = new IdentityStore(database);
    tokens['koji'] = (await identities.create('koji', { topics: ['org.example.prod.buildsys.#'] })).token;
    tokens['bodhi'] = (await identities.create('bodhi', { topics: ['org.example.prod.bodhi.*.comment', 'org.example.prod.bodhi.update.#'] })).token;
    tokens['gone'] = (await identities.create('gone', { topics: ['#'] })).token;
    await identities.revoke('gone');
    tokens['slow'] = (await identities.create('slow', { topics: ['org.example.prod.slow.#'], ratePerMinute: 3 })).token;
    tokens['signer'] = (await identities.create('signer', {
      topics: ['org.example.prod.signer.#'],
      publicKey: selfKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    })).token;
    bus = await connect(server.url);
    await bus.consume({ queue: '', bindings: ['org.example.prod.#'] }, (message) => {
      received.push(message);
    });
  });
  after(async () => {
    await bus.close();
    await database.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (body: unknown, token?: string, type = 'application/json'): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> => {
    const response = await fetch(`${server.url}/api/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json().catch(() => ({}))) as Record<string, unknown>, headers: response.headers };
  };

  const matrix: Array<[string | undefined, string, number]> = [
    ['koji', 'org.example.prod.buildsys.build.state.change', 202],
    ['koji', 'org.example.prod.buildsys', 202],
    ['koji', 'org.example.prod.bodhi.update.comment', 403],
    ['bodhi', 'org.example.prod.bodhi.update.comment', 202],
    ['bodhi', 'org.example.prod.bodhi.override.comment', 202],
    ['bodhi', 'org.example.prod.bodhi.override.tag.comment', 403],
    ['bodhi', 'org.example.prod.buildsys.tag', 403],
    ['gone', 'org.example.prod.buildsys.tag', 401],
    [undefined, 'org.example.prod.buildsys.tag', 401],
  ];
  for (const [who, topic, status] of matrix) {
    test(`${who ?? 'no token'} publishing ${topic}: ${status}`, async () => {
      const answer = await post({ topic, body: { by: who ?? 'nobody' } }, who ? tokens[who] : undefined);
      assert.equal(answer.status, status, JSON.stringify(answer.json));
      if (status === 202) assert.match(String(answer.json['id']), /^[0-9a-f-]{36}$/);
      else assert.equal(typeof answer.json['error'], 'string');
    });
  }

  test('a wrong or malformed token is 401', async () => {
    assert.equal((await post({ topic: 'org.example.prod.buildsys.x', body: {} }, `${tokens['koji']}x`)).status, 401);
    assert.equal((await post({ topic: 'org.example.prod.buildsys.x', body: {} }, 'not-a-token')).status, 401);
    const [prefix, keyId] = tokens['koji']!.split('.');
    assert.equal((await post({ topic: 'org.example.prod.buildsys.x', body: {} }, `${prefix}.${keyId}.${'A'.repeat(43)}`)).status, 401);
  });

  test('consumers can trust the identity header and the gateway\'s signature; a forged identity header is replaced', async () => {
    const id = randomUUID();
    const answer = await post({ id, topic: 'org.example.prod.buildsys.build', body: { n: 1 }, headers: { [SignatureHeader.identity]: 'bodhi', 'x-tidings-signature': 'forged' } }, tokens['koji']);
    assert.equal(answer.status, 202);
    await eventually(() => received.some((m) => m.id === id), 'the message arrives');
    const message = received.find((m) => m.id === id)!;
    assert.equal(message.headers[SignatureHeader.identity], 'koji');
    const keys = await new SigningKeyStore(database).gatewayPublicKeys();
    assert.deepEqual(checkSignature(message, (keyId) => keys.get(keyId)).valid, true);
  });

  test('a batch of JSON Lines is published whole, or not at all when one line is not allowed', async () => {
    const lines = [1, 2, 3].map((n) => JSON.stringify({ topic: 'org.example.prod.buildsys.batch', body: { n } })).join('\n');
    const ok = await post(lines, tokens['koji'], 'application/x-ndjson');
    assert.equal(ok.status, 202);
    assert.equal((ok.json['ids'] as string[]).length, 3);
    const mixed = `${lines}\n${JSON.stringify({ topic: 'org.example.prod.bodhi.update.comment', body: {} })}`;
    const refused = await post(mixed, tokens['koji'], 'application/x-ndjson');
    assert.equal(refused.status, 403);
    assert.match(String(refused.json['error']), /message 4/);
  });

  test('over its rate an identity gets 429 with Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await post({ topic: 'org.example.prod.slow.thing', body: { i } }, tokens['slow']));
    assert.deepEqual(answers.map((answer) => answer.status), [202, 202, 202, 429, 429]);
    assert.match(answers[3]!.headers.get('retry-after') ?? '', /^\d+$/);
    assert.match(String(answers[3]!.json['error']), /rate of 3 messages a minute/);
  });

  test('self-signed messages: a valid signature is kept, a forged one and a replay are refused', async () => {
    const base: Message = {
      id: randomUUID(),
      topic: 'org.example.prod.signer.event',
      headers: { fedora_messaging_schema: 'base.message', fedora_messaging_severity: 20, 'sent-at': formatSentAt(new Date()), priority: 0, [SignatureHeader.identity]: 'signer' },
      body: { signed: true },
    };
    const headers = signMessage(base, selfKeys.privateKey);
    const good = await post({ id: base.id, topic: base.topic, body: base.body, headers }, tokens['signer']);
    assert.equal(good.status, 202, JSON.stringify(good.json));
    const replay = await post({ id: base.id, topic: base.topic, body: base.body, headers }, tokens['signer']);
    assert.equal(replay.status, 409);
    const forged = await post({ id: randomUUID(), topic: base.topic, body: { signed: 'altered' }, headers }, tokens['signer']);
    assert.equal(forged.status, 403);
    assert.match(String(forged.json['error']), /does not hold/);
  });

  test('bad input gets a 4xx that says what is wrong', async () => {
    const token = tokens['koji']!;
    const cases: Array<[unknown, number, RegExp]> = [
      ['{"topic":', 400, /JSON/i],
      [[1, 2], 400, /object/],
      [{ topic: 'org.example.prod.buildsys.x', body: [1] }, 400, /object/],
      [{ topic: 'org.example.prod.buildsys..x', body: {} }, 400, /empty word/],
      [{ topic: 42, body: {} }, 400, /topic/],
      [{ topic: 'org.example.prod.buildsys.big', body: { pad: 'x'.repeat(1_100_000) } }, 413, /over the limit/],
      [{ topic: 'org.example.prod.buildsys.deep', body: JSON.parse('{"a":'.repeat(100) + '1' + '}'.repeat(100)) }, 400, /nested deeper/],
    ];
    for (const [body, status, message] of cases) {
      const answer = await post(body, token);
      assert.equal(answer.status, status, `${JSON.stringify(body).slice(0, 60)} → ${answer.status} ${JSON.stringify(answer.json)}`);
      assert.match(String(answer.json['error']), message);
    }
  });

  test('hostile JSON, fuzzed, never gets a 5xx and never takes the server down', async () => {
    const token = tokens['koji']!;
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pieces = ['{', '}', '[', ']', '"', ':', ',', '\\u0000', '\\ud800', '__proto__', 'constructor', '1e309', '-0', 'null', 'true', '"topic"', '"body"', '"org.example.prod.buildsys.x"', '\u202e', '💥', ' '];
    const deadline = Date.now() + 5_000;
    let sent = 0;
    while (Date.now() < deadline && sent < 300) {
      const length = 1 + Math.floor(random() * 40);
      let text = '';
      for (let i = 0; i < length; i++) text += pieces[Math.floor(random() * pieces.length)];
      if (random() < 0.3) text = `{"topic":"org.example.prod.buildsys.fuzz","body":{"x":${text}}}`;
      const answer = await post(text, token);
      assert.ok(answer.status < 500, `${JSON.stringify(text)} gave ${answer.status}`);
      sent++;
    }
    assert.equal((await fetch(`${server.url}/healthz/ready`)).status, 200);
  });

  test('the same id twice is stored once', async () => {
    const id = randomUUID();
    for (let i = 0; i < 2; i++) assert.equal((await post({ id, topic: 'org.example.prod.buildsys.twice', body: { same: true } }, tokens['koji'])).status, 202);
    await eventually(async () => (await (await fetch(`${server.url}/id?id=${id}`)).status) === 200, 'archived');
    const page = (await (await fetch(`${server.url}/raw?topic=org.example.prod.buildsys.twice`)).json()) as { total: number };
    assert.equal(page.total, 1);
  });
});
