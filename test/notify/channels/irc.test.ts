/** The IRC channel against a real ngircd, with a second IRC client as the recipient. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryError, type DeliveryJob, type Destination } from '../../../src/notify/index.js';
import { destination as irc, links, notification, notificationJob } from './jobs.js';
import { IrcChannel } from '../../../src/notify/channels/irc.js';
import { LineRateLimiter } from '../../../src/notify/channels/irc-send-queue.js';
import { textBudget } from '../../../src/notify/channels/irc-text.js';
import { connectReceiver, startNgircd, type IrcReceiver, type Ngircd } from '../../helpers/ngircd.js';

const PASSWORD = 'letmein';
const destination = (address: string): Destination => irc('irc', address);

/** Waits for `condition`, re-checked every 10 ms; fails loudly after `timeoutMs`. */
async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10)); // polling interval, not synchronisation
  }
}

describe('IRC channel', () => {
  let server: Ngircd;
  let alice: IrcReceiver;
  let channel: IrcChannel;
  let to: Destination;

  before(async () => {
    server = await startNgircd({ password: PASSWORD });
    alice = await connectReceiver(server.port, 'alice', { password: PASSWORD });
    // Sends before registration wait for it: the first test exercises that.
    channel = new IrcChannel({ server: server.url, nick: 'tidings', password: PASSWORD, linesPerSecond: 50, burst: 10 });
    to = destination(`irc://127.0.0.1/${alice.nick}`);
  });
  after(async () => {
    await channel?.close();
    await alice?.close();
    await server?.dispose();
  });

  test('sends a notification as one PRIVMSG to the nick, once registered', async () => {
    const before = alice.messages.length;
    await channel.send(notificationJob(to));
    const [message] = (await alice.waitForMessages(before + 1)).slice(before);
    assert.deepEqual(message, {
      from: 'tidings',
      text: "[buildsys] koji's kernel-6.12.0-1.fc42 completed — https://koji.fedoraproject.org/koji/buildinfo?buildID=1 (because you own kernel)",
    });
  });

  test('a summary with CR/LF and controls cannot inject commands', async () => {
    const before = alice.messages.length;
    await channel.send(notificationJob(to, { summary: 'pwned\r\nPRIVMSG alice :injected\r\nQUIT :bye\u0001\u0003' }));
    await channel.send(notificationJob(to, { summary: 'marker', url: null, reasons: [] }));
    // Lines from one sender arrive in order: once the marker is here, an injected line would be too.
    const received = (await alice.waitForMessages(before + 2)).slice(before);
    assert.deepEqual(
      received.map((message) => message.text),
      ['[buildsys] pwned PRIVMSG alice :injected QUIT :bye — https://koji.fedoraproject.org/koji/buildinfo?buildID=1 (because you own kernel)', '[buildsys] marker'],
    );
    assert.equal(channel.connected, true);
  });

  test('a digest of 30 is a header, 10 lines and "and 20 more", each within the line limit', async () => {
    const notifications = Array.from({ length: 30 }, (_, i) => notification({ messageId: `m${i}`, summary: `event ${i} ${'é🎉'.repeat(i === 3 ? 200 : 1)}` }));
    const job: DeliveryJob = { kind: 'digest', id: 'digest-1', destination: to, notifications, since: '2026-12-06T13:00:00.000Z', until: '2026-12-06T14:00:00.000Z', links };
    const before = alice.messages.length;
    await channel.send(job);
    await channel.send(notificationJob(to, { summary: 'marker', url: null, reasons: [] }));
    // The marker comes right after the digest's last line: nothing more of the digest was sent.
    const texts = (await alice.waitForMessages(before + 13)).slice(before).map((message) => message.text);
    assert.equal(texts.pop(), '[buildsys] marker');
    assert.equal(texts.length, 12);
    assert.equal(texts[0], 'Tidings digest: 30 notifications, 2026-12-06 13:00–14:00 UTC');
    assert.match(texts[1]!, /^\[buildsys\] event 0 é🎉 — https:\/\/koji\S+ \(because you own kernel\)$/);
    assert.equal(texts[11], 'and 20 more: https://tidings.example.org/settings');
    const budget = textBudget('tidings', 'alice');
    for (const text of texts) {
      assert.ok(Buffer.byteLength(text) <= budget, `${Buffer.byteLength(text)} bytes > ${budget}: ${text}`);
      assert.ok(!text.includes('\uFFFD'), `a character was split: ${text}`);
    }
    // The long one was shortened, on a character boundary, keeping its link and reason.
    assert.match(texts[4]!, /^\[buildsys\] event 3 (é🎉)+é?… — https:\/\/koji\S+ \(because you own kernel\)$/);
  });

  test('a confirmation shows the code and the link', async () => {
    const before = alice.messages.length;
    await channel.send({ kind: 'verification', id: 'v-1', destination: to, code: 'K7QX2MPA', links });
    const [message] = (await alice.waitForMessages(before + 1)).slice(before);
    assert.equal(message!.text, `Your Tidings confirmation code is K7QX2MPA: enter it in the settings, or open ${links.verify('d-irc', 'K7QX2MPA')}`);
  });

  test('a destination on another server is refused, permanently', async () => {
    await assert.rejects(
      channel.send(notificationJob(destination('ircs://irc.libera.chat/alice'))),
      (error: unknown) => error instanceof DeliveryError && error.permanent && /sends IRC on 127\.0\.0\.1 only/.test(error.message),
    );
  });

  test('a wrong password never registers: sends fail transiently after the wait', async () => {
    const wrong = new IrcChannel({ server: server.url, nick: 'intruder', password: 'wrong', waitMs: 300, reconnectMinMs: 5_000 });
    try {
      await assert.rejects(wrong.send(notificationJob(to)), (error: unknown) => error instanceof DeliveryError && !error.permanent && /not connected/.test(error.message));
      assert.equal(wrong.connected, false);
    } finally {
      await wrong.close();
    }
  });

  test('close() quits; later sends fail transiently', async () => {
    const closing = new IrcChannel({ server: server.url, nick: 'closing', password: PASSWORD });
    await eventually(() => closing.connected, 'the second channel to register');
    await closing.close();
    assert.equal(closing.connected, false);
    await assert.rejects(closing.send(notificationJob(to)), (error: unknown) => error instanceof DeliveryError && !error.permanent);
  });
});

describe('IRC channel when the server goes away', () => {
  test('sends fail transiently while it is down and go through once it is back', async () => {
    const server = await startNgircd();
    const channel = new IrcChannel({ server: server.url, nick: 'tidings', waitMs: 500, reconnectMinMs: 50, reconnectMaxMs: 200 });
    let bob: IrcReceiver | undefined;
    try {
      bob = await connectReceiver(server.port, 'bob');
      const to = destination(`irc://127.0.0.1/bob`);
      await channel.send(notificationJob(to, { summary: 'first' }));
      await bob.waitForMessages(1);

      await server.stop('SIGKILL');
      await eventually(() => !channel.connected, 'the channel to notice the server is gone');
      await assert.rejects(channel.send(notificationJob(to)), (error: unknown) => error instanceof DeliveryError && !error.permanent && /not connected to the IRC server irc:\/\/127\.0\.0\.1:\d+ /.test(error.message));

      await server.restart();
      bob = await connectReceiver(server.port, 'bob');
      await channel.send(notificationJob(to, { summary: 'after the restart', url: null, reasons: [] }));
      const [message] = await bob.waitForMessages(1);
      assert.equal(message!.text, '[buildsys] after the restart');
    } finally {
      await channel.close();
      await bob?.close();
      await server.dispose();
    }
  });
});

describe('IRC rate limit', () => {
  test('lets a burst through, then one line per 1/rate seconds', () => {
    let now = 1_000_000;
    const limiter = new LineRateLimiter(2, 3, () => now);
    for (let i = 0; i < 3; i++) {
      assert.equal(limiter.delayMs(), 0, `line ${i} of the burst`);
      limiter.take();
    }
    assert.equal(limiter.delayMs(), 500);
    now += 499;
    assert.equal(limiter.delayMs(), 1);
    now += 1;
    assert.equal(limiter.delayMs(), 0);
    limiter.take();
    now += 60_000; // a long quiet spell refills the burst, no more
    for (let i = 0; i < 3; i++) limiter.take();
    assert.equal(limiter.delayMs(), 500);
  });
});
