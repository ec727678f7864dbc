/** The hub faces other processes: hostile or broken frames get an error or a closed socket, never a crash. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { HUB_PATH, HubTransport } from '../../src/transports/hub/index.js';
import type { RunningServer } from '../../src/cli/serve.js';
import { startTestServer } from '../helpers/server.js';
import { rawMessage } from '../helpers/messages.js';

describe('hub protocol against broken and hostile clients', () => {
  let dir: string;
  let server: RunningServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidings-hubproto-'));
    server = await startTestServer(dir);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function rawSocket(): Promise<WebSocket> {
    const socket = new WebSocket(server.url.replace('http', 'ws') + HUB_PATH);
    await once(socket, 'open');
    return socket;
  }

  async function request(socket: WebSocket, frame: unknown): Promise<{ op: string; code?: string; message?: string }> {
    socket.send(JSON.stringify(frame));
    const [data] = (await once(socket, 'message')) as [Buffer];
    return JSON.parse(data.toString()) as { op: string; code?: string; message?: string };
  }

  test('a frame that is not JSON closes that socket with 1007', async () => {
    const socket = await rawSocket();
    socket.send('{not json');
    const [code] = (await once(socket, 'close')) as [number];
    assert.equal(code, 1007);
  });

  test('a publish of a malformed message is answered with an error naming the problem', async () => {
    const socket = await rawSocket();
    const cases: Array<[unknown, RegExp]> = [
      [{ id: 7, topic: 'a.b', headers: {}, body: '{}' }, /"id"/],
      [{ id: 'x', topic: 'a..b', headers: {}, body: '{}' }, /empty word/],
      [{ id: 'x', topic: 'a.b', headers: [], body: '{}' }, /"headers"/],
      [{ id: 'x', topic: 'a.b', headers: {}, body: { not: 'text' } }, /"body"/],
      [{ id: 'x', topic: 'a.b', headers: {}, body: '{}', priority: 1000 }, /"priority"/],
      [null, /must be an object/],
    ];
    let rid = 1;
    for (const [message, expected] of cases) {
      const reply = await request(socket, { op: 'publish', rid: rid++, message });
      assert.equal(reply.op, 'error');
      assert.match(reply.message ?? '', expected);
    }
    socket.close();
  });

  test('requests with missing fields get errors, and the server keeps serving others', async () => {
    const socket = await rawSocket();
    assert.equal((await request(socket, { op: 'declareQueue', rid: 1 })).op, 'error');
    assert.equal((await request(socket, { op: 'bind', rid: 2, queue: 'nope', exchange: 'amq.topic', pattern: '#' })).code, 'NOT_FOUND');
    assert.equal((await request(socket, { op: 'consume', rid: 3, queue: 'nope', prefetch: 1, ctag: 'c' })).code, 'NOT_FOUND');
    socket.send(JSON.stringify({ op: 'ack', tag: 99999 })); // unknown delivery: ignored
    socket.close();
    const client = await HubTransport.connect(server.url);
    const { name } = await client.declareQueue({ name: 'still-fine' });
    await client.bindQueue(name, 'amq.topic', 'fine.#');
    await client.publish(rawMessage('fine.thing'));
    await client.close();
  });

  test('an oversized frame is refused by closing the socket, not by growing memory', async () => {
    const socket = await rawSocket();
    const huge = 'x'.repeat(8 * 1024 * 1024);
    socket.send(JSON.stringify({ op: 'publish', rid: 1, message: { id: 'x', topic: 'a.b', headers: {}, body: huge } }));
    const [code] = (await once(socket, 'close')) as [number];
    assert.equal(code, 1009, 'message too big');
  });
});
