/** The Matrix channel against a small homeserver with the client-server API's semantics. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { DeliveryError, type DeliveryJob, type Destination, type Notification } from '../../../src/notify/index.js';
import { destination as sample, links, notification as sampleNotification, notificationJob as sampleJob } from './jobs.js';
import { MatrixChannel } from '../../../src/notify/channels/matrix.js';
import { MemoryMatrixRooms } from '../../../src/notify/channels/matrix-rooms.js';
import { SERVER_NAME, startHomeserver, type FakeHomeserver } from '../../helpers/matrix-homeserver.js';

const destination = (address: string): Destination => sample('matrix', address);

/** A comment whose summary, URL and rule name carry what HTML must not interpret. */
const hostile: Partial<Notification> = {
  topic: 'org.fedoraproject.prod.bodhi.update.comment',
  app: 'bodhi',
  summary: 'jsmith commented on FEDORA-2026-1 <script>alert(1)</script> & more',
  url: 'https://bodhi.fedoraproject.org/updates/FEDORA-2026-1?x=1&y="2"',
  reasons: [{ ruleId: 'r-1', ruleName: 'My <packages>', because: 'you own kernel' }],
};
const notification = (extra: Partial<Notification> = {}): Notification => sampleNotification({ ...hostile, ...extra });
const notificationJob = (to: Destination, id: string, extra: Partial<Notification> = {}): DeliveryJob => sampleJob(to, { ...hostile, ...extra }, id);

const isDeliveryError = (permanent: boolean, pattern: RegExp, retryAfterMs?: number) => (error: unknown) => {
  assert.ok(error instanceof DeliveryError, `not a DeliveryError: ${String(error)}`);
  assert.equal(error.permanent, permanent, error.message);
  assert.match(error.message, pattern);
  if (retryAfterMs !== undefined) assert.equal(error.retryAfterMs, retryAfterMs);
  return true;
};

describe('Matrix channel', () => {
  let homeserver: FakeHomeserver;
  let rooms: MemoryMatrixRooms;
  let channel: MatrixChannel;
  const ROOM = `!devel:${SERVER_NAME}`;

  before(async () => {
    homeserver = await startHomeserver();
    homeserver.addRoom(ROOM);
    homeserver.addAlias(`#devel:${SERVER_NAME}`, ROOM);
    rooms = new MemoryMatrixRooms();
    channel = new MatrixChannel({ homeserver: homeserver.url, accessToken: homeserver.token, rooms, timeoutMs: 500 });
  });
  after(() => homeserver?.close());

  const eventsOf = (roomId: string) => homeserver.rooms.get(roomId)?.events ?? [];

  test('posts an m.notice to a room id, plain and as escaped HTML, with the job id as txnId', async () => {
    await channel.send(notificationJob(destination(ROOM), 'job-1'));
    const [event] = eventsOf(ROOM);
    assert.equal(event!.type, 'm.room.message');
    assert.equal(event!.txnId, 'job-1');
    assert.deepEqual(event!.content, {
      msgtype: 'm.notice',
      body:
        '[bodhi] jsmith commented on FEDORA-2026-1 <script>alert(1)</script> & more — https://bodhi.fedoraproject.org/updates/FEDORA-2026-1?x=1&y="2"\n' +
        'because you own kernel (rule "My <packages>": https://tidings.example.org/settings/rules/r-1)',
      format: 'org.matrix.custom.html',
      formatted_body:
        '<b>[bodhi]</b> <a href="https://bodhi.fedoraproject.org/updates/FEDORA-2026-1?x=1&amp;y=&quot;2&quot;">jsmith commented on FEDORA-2026-1 &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</a>' +
        '<br><i>because you own kernel — rule <a href="https://tidings.example.org/settings/rules/r-1">My &lt;packages&gt;</a></i>',
    });
  });

  test('a retry of the same job posts nothing new', async () => {
    const before = eventsOf(ROOM).length;
    await channel.send(notificationJob(destination(ROOM), 'job-retried'));
    await channel.send(notificationJob(destination(ROOM), 'job-retried'));
    assert.equal(eventsOf(ROOM).length, before + 1);
  });

  test('a URL that is not http(s) is never a link', async () => {
    await channel.send(notificationJob(destination(ROOM), 'job-js', { url: 'javascript:alert(1)', reasons: [] }));
    const content = eventsOf(ROOM).at(-1)!.content;
    assert.equal(content['formatted_body'], '<b>[bodhi]</b> jsmith commented on FEDORA-2026-1 &lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
  });

  test('an alias is resolved to its room; an unknown alias is refused', async () => {
    const before = eventsOf(ROOM).length;
    await channel.send(notificationJob(destination(`#devel:${SERVER_NAME}`), 'job-alias'));
    assert.equal(eventsOf(ROOM).length, before + 1);
    assert.ok(homeserver.requests.some((r) => r.method === 'GET' && r.path === `/_matrix/client/v3/directory/room/#devel:${SERVER_NAME}`));
    await assert.rejects(channel.send(notificationJob(destination(`#nowhere:${SERVER_NAME}`), 'job-x')), isDeliveryError(true, /#nowhere:tidings\.test points to no room/));
  });

  test('a person gets one direct room, opened once and remembered, even for concurrent sends', async () => {
    const user = `@alice:${SERVER_NAME}`;
    const created = () => homeserver.requests.filter((r) => r.path === '/_matrix/client/v3/createRoom').length;
    const before = created();
    await Promise.all([1, 2, 3].map((n) => channel.send(notificationJob(destination(user), `job-dm-${n}`))));
    await channel.send(notificationJob(destination(user), 'job-dm-4'));
    assert.equal(created(), before + 1);
    const roomId = await rooms.get(user);
    const room = homeserver.rooms.get(roomId!)!;
    assert.deepEqual(room.createdWith, { is_direct: true, invite: [user], preset: 'trusted_private_chat', name: 'Tidings notifications' });
    assert.deepEqual([...room.invited], [user]);
    assert.deepEqual(room.events.map((event) => event.txnId).sort(), ['job-dm-1', 'job-dm-2', 'job-dm-3', 'job-dm-4']);
  });

  test('a direct room the bot was kicked from is replaced by a new one', async () => {
    const user = `@bob:${SERVER_NAME}`;
    await channel.send(notificationJob(destination(user), 'job-bob-1'));
    const first = (await rooms.get(user))!;
    homeserver.kick(first);
    await channel.send(notificationJob(destination(user), 'job-bob-2'));
    const second = (await rooms.get(user))!;
    assert.notEqual(second, first);
    assert.deepEqual(eventsOf(second).map((event) => event.txnId), ['job-bob-2']);
  });

  test('429 is retried after retry_after_ms; the retry then goes through once', async () => {
    const before = eventsOf(ROOM).length;
    homeserver.answerNext({ status: 429, body: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: 1234 } });
    await assert.rejects(channel.send(notificationJob(destination(ROOM), 'job-429')), isDeliveryError(false, /M_LIMIT_EXCEEDED/, 1234));
    await channel.send(notificationJob(destination(ROOM), 'job-429'));
    assert.equal(eventsOf(ROOM).length, before + 1);
  });

  test('a room the bot is not in is refused, permanently', async () => {
    homeserver.addRoom(`!private:${SERVER_NAME}`, { joined: false });
    await assert.rejects(channel.send(notificationJob(destination(`!private:${SERVER_NAME}`), 'job-403')), isDeliveryError(true, /may not post to !private:tidings\.test .*M_FORBIDDEN.*invite the bot/));
  });

  test('5xx, a stalled homeserver and a refused connection are tried again', async () => {
    homeserver.answerNext({ status: 502, body: {} });
    await assert.rejects(channel.send(notificationJob(destination(ROOM), 'job-502')), isDeliveryError(false, /answered 502/));
    homeserver.answerNext({ status: 200, body: { event_id: '$late' }, delayMs: 2_000 });
    await assert.rejects(channel.send(notificationJob(destination(ROOM), 'job-slow')), isDeliveryError(false, /no answer within 500 ms/));
    const port = await closedPort();
    const nowhere = new MatrixChannel({ homeserver: `http://127.0.0.1:${port}`, accessToken: 'x', rooms, timeoutMs: 500 });
    await assert.rejects(nowhere.send(notificationJob(destination(ROOM), 'job-refused')), isDeliveryError(false, /ECONNREFUSED/));
  });

  test("a refused access token is retried: it is this server's configuration, not the destination", async () => {
    const wrong = new MatrixChannel({ homeserver: homeserver.url, accessToken: 'not-the-token', rooms });
    await assert.rejects(wrong.send(notificationJob(destination(ROOM), 'job-401')), isDeliveryError(false, /M_UNKNOWN_TOKEN.*check notify\.matrix\.access_token/));
  });

  test('a digest lists what it covers, up to 50, then "and K more"; a confirmation carries the code', async () => {
    const notifications = Array.from({ length: 80 }, (_, i) => notification({ messageId: `m${i}`, summary: `event ${i}`, url: null }));
    await channel.send({ kind: 'digest', id: 'digest-1', destination: destination(ROOM), notifications, since: '2026-12-06T13:00:00.000Z', until: '2026-12-06T14:00:00.000Z', links });
    const digest = eventsOf(ROOM).at(-1)!.content as { body: string; formatted_body: string };
    const lines = digest.body.split('\n');
    assert.equal(lines[0], 'Tidings digest: 80 notifications, 2026-12-06 13:00–14:00 UTC');
    assert.equal(lines[1], '• [bodhi] event 0');
    assert.equal(lines.length, 1 + 50 + 1);
    assert.equal(lines.at(-1), 'and 30 more: https://tidings.example.org/settings');
    assert.equal((digest.formatted_body.match(/<li>/g) ?? []).length, 50);

    await channel.send({ kind: 'verification', id: 'verify-1', destination: destination(ROOM), code: 'K7QX2MPA', links });
    const verification = eventsOf(ROOM).at(-1)!.content as { body: string; formatted_body: string };
    assert.equal(verification.body, `Your Tidings confirmation code is K7QX2MPA: enter it in the settings, or open ${links.verify('d-matrix', 'K7QX2MPA')}`);
    assert.match(verification.formatted_body, /<code>K7QX2MPA<\/code>/);
  });

  test('a digest of long summaries stays well under the 64 KiB event limit', async () => {
    const notifications = Array.from({ length: 50 }, (_, i) => notification({ messageId: `m${i}`, summary: 'x'.repeat(2_000) }));
    await channel.send({ kind: 'digest', id: 'digest-big', destination: destination(ROOM), notifications, since: '2026-12-06T13:00:00.000Z', until: '2026-12-06T14:00:00.000Z', links });
    const content = eventsOf(ROOM).at(-1)!.content;
    assert.ok(Buffer.byteLength(JSON.stringify(content)) < 60 * 1024);
    assert.match(String(content['body']), /\nand \d+ more: https:\/\/tidings\.example\.org\/settings$/);
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}
