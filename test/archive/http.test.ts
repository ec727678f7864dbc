/**
 * The archive inside `tidings serve`: messages published on the bus appear in datagrepper's API,
 * once each, unreadable ones kept raw and flagged; bad queries are 400s that say why.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../src/connect.js';
import type { Bus } from '../../src/bus/index.js';
import type { RunningServer } from '../../src/cli/serve.js';
import { startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/deliveries.js';
import { rawMessage, uniqueName } from '../helpers/messages.js';

describe('the archive API of tidings serve', () => {
  let dir: string;
  let server: RunningServer;
  let bus: Bus;
  const app = uniqueName('app').replace(/-/g, '');
  const topic = (event: string): string => `org.fedoraproject.prod.${app}.${event}`;

  const get = async (path: string): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(`${server.url}${path}`);
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidings-archive-http-'));
    server = await startTestServer(dir);
    bus = await connect(server.url);
  });
  after(async () => {
    await bus.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('published messages are archived once and answered in datagrepper\'s shapes', async () => {
    const sent = [];
    for (let n = 0; n < 5; n++) sent.push(await bus.publish({ topic: topic('build'), body: { n, owner: 'alice' }, headers: { fedora_messaging_user_alice: true } }));
    // A redelivery or a replay of the same message must not be stored twice.
    await bus.transport.publish({ ...rawMessage(topic('build')), id: sent[0]!.id, headers: sent[0]!.headers, body: JSON.stringify(sent[0]!.body) });
    await eventually(async () => (await get(`/raw?category=${app}`)).json['total'] === 5, 'the archive holds the five messages');

    const raw = await get(`/raw?category=${app}&rows_per_page=2&meta=summary&meta=usernames`);
    assert.equal(raw.status, 200);
    assert.deepEqual(Object.keys(raw.json).sort(), ['arguments', 'count', 'pages', 'raw_messages', 'total', 'total_is_estimate']);
    assert.deepEqual([raw.json['count'], raw.json['pages'], raw.json['total']], [2, 3, 5]);
    const first = (raw.json['raw_messages'] as Array<Record<string, unknown>>)[0]!;
    assert.equal(first['msg_id'], sent[4]!.id);
    assert.equal(first['topic'], topic('build'));
    assert.equal(typeof first['timestamp'], 'number');
    assert.deepEqual(first['msg'], { n: 4, owner: 'alice' });
    assert.deepEqual((first['meta'] as Record<string, unknown>)['usernames'], ['alice']);

    const v2 = await get(`/v2/search?user=alice&category=${app}&order=asc&rows_per_page=1`);
    const message = (v2.json['raw_messages'] as Array<Record<string, unknown>>)[0]!;
    assert.equal(message['id'], sent[0]!.id);
    assert.deepEqual(message['body'], { n: 0, owner: 'alice' });

    const byId = await get(`/id?id=${sent[2]!.id}`);
    assert.equal(byId.status, 200);
    assert.equal(byId.json['msg_id'], sent[2]!.id);
    assert.equal((await get(`/v2/id?id=${sent[2]!.id}`)).json['id'], sent[2]!.id);
    assert.equal((await get('/id?id=no-such-message')).status, 404);
    assert.ok(Number((await get('/messagecount')).json['messagecount']) >= 5);
    const counts = await get(`/v2/counts?category=${app}&bucket=hour&delta=7200`);
    assert.equal((counts.json['counts'] as Array<{ count: number }>).reduce((sum, b) => sum + b.count, 0), 5);
  });

  test('a message the archive cannot read is kept as received, flagged', async () => {
    const broken = { ...rawMessage(topic('broken')), body: '{"unterminated": ' };
    await bus.transport.publish(broken);
    await eventually(async () => (await get(`/id?id=${broken.id}`)).status === 200, 'the broken message is archived');
    const stored = await get(`/id?id=${broken.id}`);
    assert.equal(stored.json['unreadable'], true);
    assert.equal(stored.json['msg'], '{"unterminated": ');
  });

  const refusals: Array<[string, string]> = [
    ['/raw?rows_per_page=101', 'rows_per_page'],
    ['/raw?page=0', 'page'],
    ['/raw?delta=-3', 'delta'],
    ['/raw?start=not-a-date', 'start'],
    ['/raw?what=ever', 'what'],
    [`/v2/search?contains=${'y'.repeat(300)}`, 'contains'],
    ['/v2/counts?bucket=century', 'bucket'],
    ['/id', 'id'],
  ];
  for (const [path, argument] of refusals) {
    test(`${path.slice(0, 40)} is a 400 naming "${argument}"`, async () => {
      const answer = await get(path);
      assert.equal(answer.status, 400);
      assert.equal(answer.json['argument'], argument);
      assert.equal(typeof answer.json['error'], 'string');
      assert.equal(typeof answer.json['arguments'], 'object');
    });
  }
});
