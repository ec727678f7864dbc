/**
 * The storage conformance suite: SQLite and PostgreSQL run exactly these tests. A behaviour that
 * differs between dialects is a bug here.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ArchiveStore, openDatabase, type ArchiveRecord, type StoreDatabase, type StoreOptions } from '../../src/store/index.js';

export interface StoreUnderTest {
  readonly options: StoreOptions;
  close(): Promise<void>;
}

export function record(overrides: Partial<ArchiveRecord> = {}): ArchiveRecord {
  return {
    id: randomUUID(),
    time: Date.UTC(2024, 6, 30, 19, 12, 22),
    topic: 'org.fedoraproject.prod.buildsys.build.state.change',
    category: 'buildsys',
    severity: 20,
    schema: 'koji_fedoramessaging.build.BuildStateChangeV1',
    agent: 'alice',
    headers: { fedora_messaging_schema: 'koji_fedoramessaging.build.BuildStateChangeV1', fedora_messaging_severity: 20 },
    body: JSON.stringify({ name: 'kernel', owner: 'alice', note: 'ünïcødé' }),
    raw: false,
    usernames: ['alice'],
    packages: ['kernel'],
    groups: [],
    ...overrides,
  };
}

export function runStoreConformance(name: string, setup: () => Promise<StoreUnderTest>): void {
  describe(`storage conformance: ${name}`, () => {
    let subject: StoreUnderTest;
    let database: StoreDatabase;
    let archive: ArchiveStore;

    before(async () => {
      subject = await setup();
      database = await openDatabase(subject.options);
      archive = new ArchiveStore(database);
    });
    after(async () => {
      await database.close();
      await subject.close();
    });

    test('opening an already migrated database again changes nothing', async () => {
      const again = await openDatabase(subject.options);
      await again.close();
    });

    test('stores a message and gives it back by id, fields intact', async () => {
      const stored = record({ headers: { fedora_messaging_severity: 30, nested: { a: [1, 'b'] } }, severity: 30 });
      assert.equal(await archive.insert([stored]), 1);
      const got = await archive.get(stored.id);
      assert.ok(got);
      assert.equal(got.id, stored.id);
      assert.equal(got.time, stored.time);
      assert.equal(got.topic, stored.topic);
      assert.equal(got.category, 'buildsys');
      assert.equal(got.severity, 30);
      assert.equal(got.agent, 'alice');
      assert.deepEqual(got.headers, stored.headers);
      assert.deepEqual(got.body, { name: 'kernel', owner: 'alice', note: 'ünïcødé' });
      assert.equal(got.raw, false);
      assert.equal(await archive.get('no-such-id'), undefined);
    });

    test('stores each id once, within a batch and across batches (redelivery, re-import)', async () => {
      const first = record();
      const second = record();
      assert.equal(await archive.insert([first, first, second]), 2);
      // The same content again, even written differently (spacing, key order), is the same message.
      const respaced = { ...second, body: JSON.stringify(JSON.parse(second.body), null, 2) };
      assert.equal(await archive.insert([first, respaced]), 0);
      const rows = await database.db.selectFrom('messages').select('topic').where('id', 'in', [first.id, second.id]).execute();
      assert.equal(rows.length, 2);
      const users = await database.db.selectFrom('message_users').select('name').where('seq', 'in',
        database.db.selectFrom('messages').select('seq').where('id', '=', first.id)).execute();
      assert.deepEqual(users.map((u) => u.name), ['alice'], 'facts are not doubled either');
    });

    test('different content under an id already taken is kept too, under <id>~<digest>', async () => {
      const original = record();
      const impostor = record({ id: original.id, body: JSON.stringify({ other: true }) });
      const twin = record({ id: original.id, body: JSON.stringify({ third: 3 }) });
      assert.equal(await archive.insert([original]), 1);
      assert.equal(await archive.insert([impostor, twin, impostor]), 2);
      assert.equal(await archive.insert([impostor]), 0, 'the renamed copy is found again');
      assert.deepEqual((await archive.get(original.id))?.body, JSON.parse(original.body));
      const renamed = await database.db.selectFrom('messages').select(['id', 'body']).where('id', 'like', `${original.id}~%`).orderBy('id').execute();
      assert.equal(renamed.length, 2);
      assert.ok(renamed.every((row) => /~[0-9a-f]{12}$/.test(row.id)));
    });

    test('parallel writers with overlapping ids store each message once', async () => {
      const shared = Array.from({ length: 50 }, () => record());
      const [a, b] = await Promise.all([archive.insert(shared), archive.insert([...shared].reverse())]);
      assert.equal(a + b, 50);
    });

    test('keeps a message it could not understand, raw and flagged', async () => {
      const raw = record({ raw: true, body: 'not json {', schema: 'base.message', usernames: [], packages: [] });
      await archive.insert([raw]);
      const got = await archive.get(raw.id);
      assert.equal(got?.raw, true);
      assert.equal(got?.body, 'not json {');
    });

    test('indexes who and what a message concerns', async () => {
      const stored = record({ usernames: ['bob', 'carol', 'bob'], packages: ['glibc', 'gcc'], groups: ['packager'] });
      await archive.insert([stored]);
      const seq = (await database.db.selectFrom('messages').select('seq').where('id', '=', stored.id).executeTakeFirstOrThrow()).seq;
      const names = async (table: 'message_users' | 'message_packages' | 'message_groups'): Promise<string[]> =>
        (await database.db.selectFrom(table).select('name').where('seq', '=', seq).orderBy('name').execute()).map((row) => row.name);
      assert.deepEqual(await names('message_users'), ['bob', 'carol']);
      assert.deepEqual(await names('message_packages'), ['gcc', 'glibc']);
      assert.deepEqual(await names('message_groups'), ['packager']);
    });

    test('counts messages per hour and topic as they are stored', async () => {
      const topic = `org.example.prod.counted.${randomUUID().slice(0, 8)}`;
      const hour = Date.UTC(2023, 0, 5, 10);
      await archive.insert([record({ topic, time: hour + 1_000 }), record({ topic, time: hour + 3_599_000 })]);
      await archive.insert([record({ topic, time: hour + 3_600_000 })]);
      const rows = await database.db.selectFrom('message_counts').select(['hour', 'count']).where('topic', '=', topic).orderBy('hour').execute();
      assert.deepEqual(rows.map((row) => [Number(row.hour), Number(row.count)]), [[hour, 2], [hour + 3_600_000, 1]]);
    });

    test('retention forgets messages older than the cutoff, with their facts', async () => {
      const ancient = record({ time: Date.UTC(2001, 0, 15), usernames: ['ghost'] });
      const recent = record({ time: Date.UTC(2001, 2, 15), usernames: ['ghost'] });
      await archive.insert([ancient, recent]);
      const removed = await archive.prune(Date.UTC(2001, 1, 1));
      assert.ok(removed >= 1);
      assert.equal(await archive.get(ancient.id), undefined);
      assert.equal((await archive.get(recent.id))?.id, recent.id);
      const ghosts = await database.db.selectFrom('message_users').select('time').where('name', '=', 'ghost').execute();
      assert.deepEqual(ghosts.map((row) => Number(row.time)), [recent.time]);
      // The same message may come back later (a replay): stored again, not refused as a duplicate.
      assert.equal(await archive.insert([ancient]), 1);
    });

    test('stores messages from any month, years apart', async () => {
      const old = record({ time: Date.UTC(2012, 3, 1) });
      const future = record({ time: Date.UTC(2031, 11, 31, 23, 59, 59) });
      assert.equal(await archive.insert([old, future]), 2);
      assert.equal((await archive.get(old.id))?.time, old.time);
      assert.equal((await archive.get(future.id))?.time, future.time);
    });
  });
}
