/** The pure parts of delivery: quiet hours, backoff, digest timing, commit excerpts, link tokens. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { commitExcerpt, digestDue, isQuiet, LinkBuilder, MAX_DELIVERY_AGE_MS, retryDelay, type Destination } from '../../src/notify/index.js';
import { cutUtf8 } from '../../src/notify/delivery/render.js';

const at = (iso: string): number => Date.parse(iso);

describe('quiet hours', () => {
  const overnight = { start: 22 * 60, end: 7 * 60, timeZone: 'Europe/Prague' };
  const cases: Array<[string, string, boolean]> = [
    ['23:30 in Prague (21:30 UTC in winter) is quiet', '2026-12-06T22:30:00Z', true],
    ['06:59 in Prague is quiet', '2026-12-07T05:59:00Z', true],
    ['07:00 in Prague is not', '2026-12-07T06:00:00Z', false],
    ['21:59 in Prague is not', '2026-12-06T20:59:00Z', false],
    ['summer time moves the span: 22:10 Prague is 20:10 UTC in July', '2026-07-01T20:10:00Z', true],
  ];
  for (const [name, time, quiet] of cases) test(name, () => assert.equal(isQuiet(overnight, at(time)), quiet));
  test('a daytime span', () => {
    const lunch = { start: 12 * 60, end: 13 * 60, timeZone: 'UTC' };
    assert.equal(isQuiet(lunch, at('2026-12-06T12:30:00Z')), true);
    assert.equal(isQuiet(lunch, at('2026-12-06T13:00:00Z')), false);
  });
  test('none, or an empty span, is never quiet', () => {
    assert.equal(isQuiet(null, Date.now()), false);
    assert.equal(isQuiet({ start: 600, end: 600, timeZone: 'UTC' }, Date.now()), false);
  });
});

describe('retry backoff', () => {
  test('doubles from about 15 s up to an hour, with jitter of ±25 %', () => {
    const low = (): number => 0;
    const high = (): number => 0.999;
    assert.equal(retryDelay(1, undefined, low), 11_250);
    assert.ok(retryDelay(1, undefined, high) < 18_750);
    assert.equal(retryDelay(2, undefined, low), 22_500);
    assert.equal(retryDelay(20, undefined, low), 45 * 60_000);
    assert.ok(retryDelay(20, undefined, high) <= 75 * 60_000);
  });
  test("a peer's Retry-After wins when longer", () => {
    assert.equal(retryDelay(1, 600_000, () => 0.5), 600_000);
    assert.equal(retryDelay(5, 1_000, () => 0.5), 15_000 * 16);
  });
  test('jobs are given up after three days', () => assert.equal(MAX_DELIVERY_AGE_MS, 3 * 24 * 3_600_000));
});

describe('when a digest is due', () => {
  const destination = (delivery: Destination['delivery'], extra: Partial<Destination> = {}): Destination => ({
    id: 'd', owner: 'o', kind: 'email', address: 'o@example.org', label: '', verifiedAt: 1, disabled: false, delivery, quietHours: null, maxPerHour: null, pausedReason: null, ...extra,
  });
  const now = at('2026-12-06T15:00:00Z');
  const pending = (count: number, oldestMinutesAgo: number, lastDigestMinutesAgo: number | null) => ({
    destinationId: 'd', count, oldest: now - oldestMinutesAgo * 60_000, lastDigestAt: lastDigestMinutesAgo === null ? null : now - lastDigestMinutesAgo * 60_000,
  });
  const none = (): Promise<number> => Promise.resolve(0);
  test('hourly: an hour after the last digest, not before', async () => {
    const hourly = destination({ kind: 'digest', everyMinutes: 60, afterCount: null });
    assert.equal(await digestDue(hourly, pending(3, 30, 59), none, now), false);
    assert.equal(await digestDue(hourly, pending(3, 30, 60), none, now), true);
    assert.equal(await digestDue(hourly, pending(3, 59, null), none, now), false, 'never sent: an hour after the first that waits');
    assert.equal(await digestDue(hourly, pending(3, 61, null), none, now), true);
  });
  test('after N messages, whichever comes first', async () => {
    const counted = destination({ kind: 'digest', everyMinutes: 60, afterCount: 10 });
    assert.equal(await digestDue(counted, pending(10, 1, 1), none, now), true);
    assert.equal(await digestDue(counted, pending(9, 1, 1), none, now), false);
  });
  test('never during quiet hours', async () => {
    const quiet = destination({ kind: 'digest', everyMinutes: 60, afterCount: null }, { quietHours: { start: 14 * 60, end: 16 * 60, timeZone: 'UTC' } });
    assert.equal(await digestDue(quiet, pending(3, 120, 120), none, now), false);
  });
  test("an immediate destination's overflow goes when its hour has room", async () => {
    const limited = destination({ kind: 'immediate' }, { maxPerHour: 5 });
    assert.equal(await digestDue(limited, pending(3, 10, null), () => Promise.resolve(5), now), false);
    assert.equal(await digestDue(limited, pending(3, 10, null), () => Promise.resolve(4), now), true);
    assert.equal(await digestDue(limited, pending(3, 61, null), () => Promise.resolve(5), now), true, 'at the latest an hour later');
  });
});

describe('commit excerpts', () => {
  const message = (patch: string) => ({
    id: 'x', topic: 'org.fedoraproject.prod.git.receive', headers: {},
    body: { commit: { repo: 'kernel', namespace: 'rpms', branch: 'rawhide', rev: 'abc', name: 'A', email: 'a@example.org', summary: 'Fix it', message: 'Fix it\n\nLong.', stats: { files: { 'kernel.spec': { insertions: 3, deletions: 1 } } }, patch } },
  });
  test('carry repository, branch, author, files and the patch', () => {
    const excerpt = commitExcerpt(message('--- a\n+++ b\n'))!;
    assert.equal(excerpt.repository, 'rpms/kernel');
    assert.equal(excerpt.author, 'A <a@example.org>');
    assert.deepEqual(excerpt.files, [{ path: 'kernel.spec', insertions: 3, deletions: 1 }]);
    assert.equal(excerpt.patchTruncated, false);
  });
  test('cut a long patch on a character boundary and say so', () => {
    const excerpt = commitExcerpt(message('é'.repeat(20_000)))!;
    assert.equal(excerpt.patchTruncated, true);
    assert.ok(Buffer.byteLength(excerpt.patch) <= 16 * 1024);
    assert.ok(!excerpt.patch.includes('\uFFFD'));
    assert.deepEqual(cutUtf8('aé', 2), { text: 'a', cut: true });
  });
  test('are null for other messages', () => assert.equal(commitExcerpt({ id: 'y', topic: 'org.fedoraproject.prod.buildsys.tag', headers: {}, body: {} }), null));
});

describe('links', () => {
  const links = new LinkBuilder('https://tidings.example.org/base/', Buffer.alloc(32, 1));
  test('keep the public URL and path', () => {
    assert.equal(links.settings, 'https://tidings.example.org/base/settings');
    assert.equal(links.rule('r-1'), 'https://tidings.example.org/base/settings/rules/r-1');
    assert.match(links.verify('d 1', '12 34'), /\/settings\/destinations\/d%201\/verify\?code=12%2034$/);
  });
  test('an unsubscribe token works for its destination only', () => {
    const token = new URL(links.unsubscribe('d-1')).searchParams.get('token')!;
    assert.equal(links.isUnsubscribeToken('d-1', token), true);
    assert.equal(links.isUnsubscribeToken('d-2', token), false);
    assert.equal(links.isUnsubscribeToken('d-1', token.slice(1)), false);
    assert.equal(new LinkBuilder('https://x', Buffer.alloc(32, 2)).isUnsubscribeToken('d-1', token), false, 'another server secret');
  });
});
