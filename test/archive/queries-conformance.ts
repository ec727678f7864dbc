/**
 * The archive's queries, run on both dialects over the same small archive: every datagrepper filter,
 * OR within a name and AND across names, exclusions, substring search, time windows, order, paging,
 * exact totals (from the hourly counts and from the index), counts over time and the full scan.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ArchiveStore, openDatabase, type ArchiveRecord, type StoreDatabase } from '../../src/store/index.js';
import { ArchiveQueries, parseQuery, type QueryRequest } from '../../src/archive/index.js';
import { record, type StoreUnderTest } from '../store/conformance.js';

const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);
const MINUTE = 60_000;

/** 60 messages, one a minute from T0: apps alternate, users and packages vary predictably. */
function fixture(): ArchiveRecord[] {
  const apps = ['buildsys', 'bodhi', 'pkgdb'];
  return Array.from({ length: 60 }, (_, i) => {
    const app = apps[i % 3]!;
    return record({
      id: `fixture-${String(i).padStart(2, '0')}`,
      time: T0 + i * MINUTE + 30_000,
      topic: `org.fedoraproject.prod.${app}.event${i % 2}`,
      category: app,
      agent: i % 4 === 0 ? 'ralph' : null,
      body: JSON.stringify({ n: i, text: i === 42 ? 'the answer is ünïcødé' : `message ${i}` }),
      usernames: i % 5 === 0 ? ['alice', 'bob'] : ['carol'],
      packages: i % 6 === 0 ? ['kernel'] : i % 7 === 0 ? ['glibc'] : [],
    });
  });
}

export function runQueryConformance(name: string, setup: () => Promise<StoreUnderTest>): void {
  describe(`archive queries: ${name}`, () => {
    let subject: StoreUnderTest;
    let database: StoreDatabase;
    let queries: ArchiveQueries;
    const all = fixture();

    before(async () => {
      subject = await setup();
      database = await openDatabase(subject.options);
      await new ArchiveStore(database).insert(all);
      queries = new ArchiveQueries(database);
    });
    after(async () => {
      await database.close();
      await subject.close();
    });

    const ask = (query: string): QueryRequest => {
      const params = new URLSearchParams({ start: String(T0 / 1000), end: String((T0 + 3_600_000) / 1000), rows_per_page: '100' });
      for (const [key, value] of new URLSearchParams(query)) {
        if (['start', 'end', 'rows_per_page'].includes(key)) params.set(key, value);
        else params.append(key, value);
      }
      return parseQuery(params, { now: T0 + 3_600_000, defaultWindowMs: 3_600_000 });
    };
    const ids = async (query: string): Promise<string[]> => (await queries.search(ask(query))).messages.map((m) => m.id);
    const expected = (keep: (i: number) => boolean, order: 'asc' | 'desc' = 'desc'): string[] => {
      const chosen = all.map((r, i) => [r.id, i] as const).filter(([, i]) => keep(i)).map(([id]) => id);
      return order === 'desc' ? chosen.reverse() : chosen;
    };

    test('everything in the window, newest first, with an exact total', async () => {
      const result = await queries.search(ask(''));
      assert.deepEqual(result.messages.map((m) => m.id), expected(() => true));
      assert.equal(result.total, 60);
      assert.equal(result.totalIsEstimate, false);
    });

    test('order=asc, paging, and the total across pages', async () => {
      const page2 = await queries.search(ask('order=asc&rows_per_page=7&page=2'));
      assert.deepEqual(page2.messages.map((m) => m.id), expected(() => true, 'asc').slice(7, 14));
      assert.equal(page2.total, 60);
      const beyond = await queries.search(ask('rows_per_page=50&page=3'));
      assert.deepEqual(beyond.messages, []);
    });

    test('filters: OR within a name, AND across names', async () => {
      assert.deepEqual(await ids('category=bodhi'), expected((i) => i % 3 === 1));
      assert.deepEqual(await ids('category=bodhi&category=pkgdb'), expected((i) => i % 3 !== 0));
      assert.deepEqual(await ids('topic=org.fedoraproject.prod.buildsys.event0'), expected((i) => i % 3 === 0 && i % 2 === 0));
      assert.deepEqual(await ids('user=alice'), expected((i) => i % 5 === 0));
      assert.deepEqual(await ids('user=alice&user=carol'), expected(() => true), 'a message concerning both users appears once');
      assert.deepEqual(await ids('package=kernel&package=glibc'), expected((i) => i % 6 === 0 || i % 7 === 0));
      assert.deepEqual(await ids('user=alice&category=buildsys'), expected((i) => i % 5 === 0 && i % 3 === 0));
      assert.deepEqual(await ids('package=kernel&not_category=buildsys'), expected((i) => i % 6 === 0 && i % 3 !== 0));
      assert.deepEqual(await ids('package=kernel&package=glibc&category=bodhi&category=pkgdb'), expected((i) => (i % 6 === 0 || i % 7 === 0) && i % 3 !== 0));
      assert.deepEqual(await ids('user=carol&package=glibc'), expected((i) => i % 5 !== 0 && i % 6 !== 0 && i % 7 === 0));
      assert.deepEqual(await ids('agent=ralph'), expected((i) => i % 4 === 0));
      assert.deepEqual(await ids('agent=ralph&category=buildsys'), expected((i) => i % 4 === 0 && i % 3 === 0));
      assert.deepEqual(await ids('agent=ralph&user=alice'), expected((i) => i % 4 === 0 && i % 5 === 0));
    });

    test('exclusions', async () => {
      assert.deepEqual(await ids('not_category=buildsys'), expected((i) => i % 3 !== 0));
      assert.deepEqual(await ids('not_user=carol'), expected((i) => i % 5 === 0));
      assert.deepEqual(await ids('not_package=kernel&category=buildsys'), expected((i) => i % 3 === 0 && i % 6 !== 0));
      assert.deepEqual(await ids('not_agent=ralph'), expected((i) => i % 4 !== 0));
      assert.deepEqual(await ids('not_topic=org.fedoraproject.prod.bodhi.event1&category=bodhi'), expected((i) => i % 3 === 1 && i % 2 === 0));
    });

    test('contains: a substring of the body, non-ASCII included', async () => {
      assert.deepEqual(await ids('contains=%C3%BCn%C3%AFc'), ['fixture-42']);
      assert.deepEqual(await ids('contains=message%205'), expected((i) => i === 5 || (i >= 50 && i <= 59)));
    });

    test('time windows: start/end, delta back from end, a window with nothing', async () => {
      const window = parseQuery(new URLSearchParams(`start=${(T0 + 10 * MINUTE) / 1000}&end=${(T0 + 20 * MINUTE) / 1000}`), { now: 0, defaultWindowMs: 0 });
      assert.deepEqual((await queries.search(window)).messages.map((m) => m.id), expected((i) => i >= 10 && i < 20));
      const delta = parseQuery(new URLSearchParams(`end=${(T0 + 5 * MINUTE) / 1000}&delta=120`), { now: 0, defaultWindowMs: 0 });
      assert.deepEqual((await queries.search(delta)).messages.map((m) => m.id), ['fixture-04', 'fixture-03']);
      const empty = parseQuery(new URLSearchParams('start=2000-01-01&end=2000-02-01'), { now: 0, defaultWindowMs: 0 });
      const none = await queries.search(empty);
      assert.deepEqual([none.messages.length, none.total], [0, 0]);
    });

    test('totals are exact when the window cuts through hours (counts table plus edges)', async () => {
      const cut = parseQuery(new URLSearchParams(`start=${(T0 + 90_000) / 1000}&end=${(T0 + 3_600_000 + 60_000) / 1000}&category=buildsys`), { now: 0, defaultWindowMs: 0 });
      assert.equal((await queries.search(cut)).total, all.filter((r, i) => i % 3 === 0 && r.time >= T0 + 90_000).length);
    });

    test('counts over time buckets', async () => {
      const request = parseQuery(new URLSearchParams(`start=${T0 / 1000}&end=${(T0 + 30 * MINUTE) / 1000}`), { now: 0, defaultWindowMs: 0 });
      const tenMinutes = await queries.countsOverTime(request, 10 * MINUTE);
      assert.deepEqual(tenMinutes.map((b) => b.count), [10, 10, 10]);
      const hourly = await queries.countsOverTime(ask('category=bodhi'), 3_600_000);
      assert.deepEqual(hourly.map((b) => b.count), [20]);
      const byUser = await queries.countsOverTime(ask('user=alice'), 30 * MINUTE);
      assert.deepEqual(byUser.map((b) => b.count), [6, 6]);
    });

    test('scan: every match, oldest first, across batch boundaries', async () => {
      const scanned: string[] = [];
      for await (const message of queries.scan(ask('category=bodhi'), 4)) scanned.push(message.id);
      assert.deepEqual(scanned, expected((i) => i % 3 === 1, 'asc'));
    });

    test('by id, and the message count', async () => {
      assert.equal((await queries.byId('fixture-42'))?.time, all[42]!.time);
      assert.equal(await queries.byId('nope'), undefined);
      assert.equal(await queries.messageCount(), 60);
    });
  });
}
