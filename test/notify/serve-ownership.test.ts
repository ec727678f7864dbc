/**
 * `tidings serve` keeps package ownership current from the bus: a package database message
 * published to serve changes who owns the package, as the notifier will read it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../../src/connect.js';
import type { Bus } from '../../src/bus/index.js';
import type { RunningServer } from '../../src/cli/serve.js';
import { NotifyStore } from '../../src/notify/index.js';
import { openDatabase, type StoreDatabase } from '../../src/store/index.js';
import { startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/deliveries.js';
import { cleanup, makeTempDir } from '../helpers/processes.js';

interface Example {
  readonly topic: string;
  readonly message: { readonly msg: Record<string, unknown> };
}

const examples = readFileSync(new URL('../fixtures/corpus/fedmsg-legacy.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Example);

describe('ownership inside tidings serve', { timeout: 60_000 }, () => {
  let dataDir: string;
  let server: RunningServer;
  let bus: Bus;
  let database: StoreDatabase;

  before(async () => {
    dataDir = join(makeTempDir(), 'data');
    server = await startTestServer(dataDir);
    bus = await connect(server.url);
    database = await openDatabase({ dataDir });
  });
  after(async () => {
    await bus.close();
    await database.close();
    await server.close();
    cleanup();
  });

  test('a new package announced by the package database is owned by its point of contact', async () => {
    const example = examples.find((candidate) => candidate.topic.endsWith('.pkgdb.package.new'))!;
    await bus.publish({ topic: example.topic, body: example.message.msg as never }, { raw: true });
    const store = new NotifyStore(database);
    await eventually(async () => (await store.ownersOf('php-zmq')).some((owner) => owner.user === 'lmacken' && owner.role === 'owner'), 'lmacken owns php-zmq');
  });
});
