/**
 * The archive's database going away and coming back: the writer holds its messages unacknowledged,
 * retries, and stores every one of them once the database returns.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/connect.js';
import type { Bus } from '../../src/bus/index.js';
import { silentLogger } from '../../src/log/index.js';
import { ArchiveStore, openDatabase, type StoreDatabase } from '../../src/store/index.js';
import { ArchiveQueries, ArchiveWriter, parseQuery } from '../../src/archive/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { startProxy, type CuttableProxy } from '../helpers/tcp-proxy.js';
import { eventually } from '../helpers/deliveries.js';

let postgres: TestDatabase;
let proxy: CuttableProxy;
let database: StoreDatabase;
let bus: Bus;
let writer: ArchiveWriter;

before(async () => {
  postgres = await createTestDatabase('away');
  proxy = await startProxy(5432);
  const url = new URL(postgres.url);
  url.port = String(proxy.port);
  database = await openDatabase({ url: url.toString() });
  bus = await connect('memory:');
  writer = new ArchiveWriter(new ArchiveStore(database), { logger: silentLogger(), batchSize: 50 });
  await writer.start(bus);
});
after(async () => {
  await writer.stop().catch(() => undefined);
  await bus.close();
  await database.close();
  await proxy.close();
  await postgres.drop();
});

test('messages published while the database is away are stored when it returns, once each', async (t) => {
  const topic = 'org.example.prod.away.thing';
  const ids: string[] = [];
  for (let n = 0; n < 100; n++) ids.push((await bus.publish({ topic, body: { n } })).id);
  await eventually(() => writer.stored === 100, 'the first hundred are stored', 10_000);

  proxy.cut();
  for (let n = 100; n < 300; n++) ids.push((await bus.publish({ topic, body: { n } })).id);
  // While it is away nothing more can be stored, and the broker keeps the messages.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const storedWhileAway = writer.stored;
  proxy.restore();

  await eventually(() => writer.stored === 300, 'every message is stored after the database returns', 30_000);
  t.diagnostic(`stored while the database was away: ${storedWhileAway - 100}; after it returned: ${writer.stored - storedWhileAway}`);
  assert.equal(storedWhileAway, 100);
  const queries = new ArchiveQueries(database);
  const all = await queries.search(parseQuery(new URLSearchParams('start=0&rows_per_page=100&page=3&order=asc'), { now: Date.now() + 1000, defaultWindowMs: 0 }));
  assert.equal(all.total, 300);
  assert.deepEqual(all.messages.map((m) => m.id), ids.slice(200));
});
