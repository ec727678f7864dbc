/**
 * Delivery's conformance suite, run on SQLite and on PostgreSQL: the outbox (idempotent queueing,
 * leases, retries, dead letters), digests, destination pausing, and the engine that drives them —
 * dispatch decisions, quiet hours, rate limits, one notification per (message, destination).
 *
 * The channel here is scripted (it accepts or fails as each test says), because these tests are
 * about what delivery does with a channel's answers; each real channel is tested against its real
 * peer in test/notify/channels/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openDatabase, type StoreDatabase, type StoreOptions } from '../../src/store/index.js';
import { createSchemaRegistry } from '../../src/schemas/index.js';
import {
  DeliveryError,
  DeliveryStore,
  deliveryId,
  InboxStore,
  LinkBuilder,
  Notifier,
  NotifyStore,
  PAUSE_AFTER_FAILURES,
  type Channel,
  type DeliveryJob,
  type DeliveryOutcome,
} from '../../src/notify/index.js';
import type { ReceivedMessage } from '../../src/bus/index.js';
import type { Message } from '../../src/message/index.js';

export interface DeliveryDatabaseUnderTest {
  readonly options: StoreOptions;
  close(): Promise<void>;
}

/** A channel whose answers the test decides: accept, or throw what `fail` returns. */
class ScriptedChannel implements Channel {
  readonly sent: DeliveryJob[] = [];
  fail: ((job: DeliveryJob) => Error | null) | null = null;
  constructor(readonly kind: Channel['kind']) {}
  async send(job: DeliveryJob): Promise<void> {
    const error = this.fail?.(job) ?? null;
    if (error) throw error;
    this.sent.push(job);
  }
  async close(): Promise<void> {}
  /** The accepted job of a message, once it arrives; fails loudly after 10 s. */
  async jobFor(messageId: string): Promise<DeliveryJob> {
    const find = (): DeliveryJob | undefined => this.sent.find((job) => job.kind === 'notification' && job.notification.messageId === messageId);
    await waitFor(() => Promise.resolve(find() !== undefined), `the send of message ${messageId}`);
    return find()!;
  }
}

const registry = createSchemaRegistry();

/** A build of `pkg` by `owner`, as Koji announces it (the buildsys schema derives the facts). */
function buildMessage(pkg: string, owner: string): ReceivedMessage {
  const message: Message = {
    id: randomUUID(),
    topic: 'org.fedoraproject.prod.buildsys.build.state.change',
    headers: { fedora_messaging_schema: 'base.message', 'sent-at': new Date().toISOString().slice(0, 19) + '+00:00' },
    body: { build_id: 1, name: pkg, version: '1.0', release: '1.fc41', owner, new: 1, old: 0, attribute: 'state', instance: 'primary', epoch: null, task_id: 2 },
  };
  return { ...message, queue: 'test', redelivered: false, facts: registry.facts(message), bodyText: JSON.stringify(message.body), problem: null };
}

async function confirmed(store: NotifyStore, owner: string, input: Record<string, unknown>): Promise<string> {
  const { destination, code } = await store.addDestination(owner, input);
  await store.verifyDestination(owner, destination.id, code);
  return destination.id;
}

export function runDeliveryConformance(name: string, setup: () => Promise<DeliveryDatabaseUnderTest>): void {
  describe(`delivery conformance: ${name}`, () => {
    let subject: DeliveryDatabaseUnderTest;
    let database: StoreDatabase;
    let store: NotifyStore;
    let delivery: DeliveryStore;
    const links = new LinkBuilder('https://tidings.example.org', Buffer.alloc(32, 7));

    before(async () => {
      subject = await setup();
      database = await openDatabase(subject.options);
      store = new NotifyStore(database);
      delivery = new DeliveryStore(database);
    });
    after(async () => {
      await database.close();
      await subject.close();
    });

    test('queueing the same send twice keeps one job; a lease gives it to one worker at a time', async () => {
      await store.ensureUser('lease');
      const destination = await confirmed(store, 'lease', { kind: 'email', address: 'lease@example.org' });
      const entry = { id: deliveryId('t', destination, 'm1'), destinationId: destination, channel: 'email' as const, kind: 'notification' as const, payload: { x: 1 }, dueAt: Date.now() - 1 };
      assert.equal(await delivery.enqueue(entry), true);
      assert.equal(await delivery.enqueue(entry), false);
      const first = await delivery.claim('email', 10, 60_000);
      assert.deepEqual(first.map((row) => row.id).filter((id) => id === entry.id), [entry.id]);
      assert.equal((await delivery.claim('email', 10, 60_000)).filter((row) => row.id === entry.id).length, 0, 'leased: not handed out twice');
      // Once the lease ran out (a crashed worker), it is handed out again.
      assert.equal((await delivery.claim('email', 10, 60_000, Date.now() + 61_000)).filter((row) => row.id === entry.id).length, 1);
      await delivery.markSent(entry.id);
      assert.equal((await delivery.get(entry.id))!.state, 'sent');
      // Sent long enough ago, it is forgotten; queued ones never are.
      assert.ok((await delivery.pruneSent(Date.now() + 1)) >= 1);
      assert.equal(await delivery.get(entry.id), undefined);
    });

    test('a pending list becomes one digest job, once, and the list is emptied', async () => {
      await store.ensureUser('digester');
      const destination = await confirmed(store, 'digester', { kind: 'email', address: 'digest@example.org', delivery: { kind: 'digest', everyMinutes: 60 } });
      for (const id of ['a', 'b', 'c']) {
        const notification = { messageId: id, topic: 't', app: 'x', summary: id, url: null, severity: 20, sentAt: new Date().toISOString(), agent: null, usernames: [], packages: [], reasons: [], commit: null };
        assert.equal(await delivery.addPending(destination, notification), true);
        assert.equal(await delivery.addPending(destination, notification), false, 'a redelivered message is kept once');
      }
      const summary = (await delivery.pendingSummaries()).find((s) => s.destinationId === destination)!;
      assert.equal(summary.count, 3);
      assert.equal(summary.lastDigestAt, null);
      const id = await delivery.takeDigest(destination, 'email', 200);
      assert.ok(id);
      const row = (await delivery.get(id))!;
      assert.equal(row.kind, 'digest');
      assert.deepEqual((JSON.parse(row.payload) as { notifications: Array<{ messageId: string }> }).notifications.map((n) => n.messageId), ['a', 'b', 'c']);
      assert.equal((await delivery.pendingSummaries()).some((s) => s.destinationId === destination), false);
      assert.equal(await delivery.takeDigest(destination, 'email', 200), null);
    });

    test('a destination refused again and again is paused, and says why', async () => {
      await store.ensureUser('bouncer');
      const destination = await confirmed(store, 'bouncer', { kind: 'email', address: 'gone@example.org' });
      for (let i = 1; i < PAUSE_AFTER_FAILURES; i++) assert.equal(await delivery.recordPermanentFailure(destination, '550 no such user'), false);
      assert.equal(await delivery.recordPermanentFailure(destination, '550 no such user'), true);
      assert.match((await store.destinationById(destination))!.pausedReason ?? '', /550 no such user/);
    });

    test("Matrix direct rooms are remembered per user, and replaced when the old one is unusable", async () => {
      assert.equal(await delivery.matrixRoom('@alice:example.org'), undefined);
      await delivery.setMatrixRoom('@alice:example.org', '!one:example.org');
      assert.equal(await delivery.matrixRoom('@alice:example.org'), '!one:example.org');
      await delivery.setMatrixRoom('@alice:example.org', '!two:example.org');
      assert.equal(await delivery.matrixRoom('@alice:example.org'), '!two:example.org');
    });

    describe('the engine', () => {
      let notifier: Notifier;
      let email: ScriptedChannel;
      const outcomes: DeliveryOutcome[] = [];
      const results: Array<{ message: string; outcomes: Map<string, string> }> = [];

      before(async () => {
        email = new ScriptedChannel('email');
        notifier = new Notifier(database, {
          channels: [email],
          links,
          workerPollMs: 50,
          digestEveryMs: 60_000,
          onOutcome: (outcome) => outcomes.push(outcome),
          onDispatch: (message, dispatched) => results.push({ message: message.id, outcomes: new Map(dispatched.map((r) => [r.destinationId, r.outcome])) }),
        });
        await notifier.store.ensureUser('kernelowner');
        await notifier.store.setOwner('kernel', 'kernelowner');
        // Two rules to the same email: one notification, with both reasons.
        const destination = await confirmed(notifier.store, 'kernelowner', { kind: 'email', address: 'owner@example.org' });
        await notifier.store.createRule('kernelowner', { name: 'My packages', tracking: { myPackages: true }, destinations: [destination] });
        await notifier.store.createRule('kernelowner', { name: 'Kernel builds', tracking: { packages: ['kernel'], apps: ['buildsys'] }, destinations: [destination] });
        // The Notifier's own start needs a bus; these tests hand messages to handle() directly.
        await (notifier as unknown as { sync: { start(): Promise<void> } }).sync.start();
        (notifier as unknown as { worker: { start(): void } }).worker.start();
      });
      after(() => notifier.stop());

      test('one email per (message, destination) whatever the number of rules, with every reason; the inbox too', async () => {
        const message = buildMessage('kernel', 'someoneelse');
        await notifier.handle(message);
        const job = await email.jobFor(message.id);
        assert.ok(job.kind === 'notification');
        assert.deepEqual(new Set(job.notification.reasons.map((r) => r.ruleName)), new Set(['My packages', 'Kernel builds']));
        assert.ok(job.notification.reasons.some((r) => /own kernel/.test(r.because)), 'the reason says why: you own kernel');
        assert.equal(job.notification.app, 'buildsys');
        // The default rule (my events and packages → inbox) matched as well.
        const inbox = await notifier.inbox.list('kernelowner');
        assert.ok(inbox.entries.some((entry) => entry.notification.messageId === message.id));
        // Redelivered: matched again, sent no second time.
        await notifier.handle({ ...message, redelivered: true });
        const later = buildMessage('kernel', 'someoneelse');
        await notifier.handle(later);
        await email.jobFor(later.id);
        assert.equal(email.sent.filter((j) => j.kind === 'notification' && j.notification.messageId === message.id).length, 1);
      });

      test('my own actions are left out by default', async () => {
        const before = results.length;
        await notifier.handle(buildMessage('kernel', 'kernelowner'));
        assert.equal(results.length, before, 'no destination matched');
      });

      test('a failing peer is retried with backoff; a refusal dead-letters the job with the reason', async () => {
        let failures = 0;
        email.fail = (job) => (job.kind === 'notification' && failures++ === 0 ? new DeliveryError('connection refused by 127.0.0.1:25') : null);
        const message = buildMessage('kernel', 'someoneelse');
        await notifier.handle(message);
        const ownerEmail = (await notifier.store.destinations('kernelowner')).find((d) => d.kind === 'email')!.id;
        const id = deliveryId('notification', ownerEmail, message.id);
        await waitFor(async () => (await notifier.delivery.get(id))?.attempts === 1, 'the first attempt to be recorded');
        const row = (await notifier.delivery.get(id))!;
        assert.equal(row.state, 'queued');
        assert.match(row.last_error ?? '', /connection refused/);
        assert.ok(Number(row.due_at) > Date.now() + 5_000, 'the retry waits (backoff), it is not immediate');
        // Make it due now, as time passing would.
        await notifier.delivery.retryLater(id, row.last_error!, Date.now());
        await waitFor(async () => (await notifier.delivery.get(id))?.state === 'sent', 'the retry to be sent');

        email.fail = (job) => (job.kind === 'notification' ? new DeliveryError('550 5.1.1 mailbox unavailable', { permanent: true }) : null);
        const refused = buildMessage('kernel', 'someoneelse');
        await notifier.handle(refused);
        const refusedId = deliveryId('notification', ownerEmail, refused.id);
        await waitFor(async () => (await notifier.delivery.get(refusedId))?.state === 'dead', 'the refused job to be dead-lettered');
        assert.match((await notifier.delivery.get(refusedId))!.last_error ?? '', /550 5\.1\.1/);
        assert.ok(outcomes.some((o) => o.id === refusedId && o.result === 'dead'));
        email.fail = null;
        // Put back (as an operator would), it goes out.
        await notifier.delivery.retryDead({ destinationId: ownerEmail });
        await waitFor(async () => (await notifier.delivery.get(refusedId))?.state === 'sent', 'the retried dead letter to be sent');
      });

      test('quiet hours and the hourly limit hold notifications for a digest that goes out afterwards', async () => {
        await notifier.store.ensureUser('night');
        await notifier.store.setOwner('nightpkg', 'night');
        // Quiet all day long except one minute ten minutes from now: whatever the clock, the test runs inside.
        const minuteStart = Math.floor(Date.now() / 60_000) * 60_000;
        const minute = new Date(minuteStart).getUTCHours() * 60 + new Date(minuteStart).getUTCMinutes();
        const quiet = { start: (minute + 11) % 1440, end: (minute + 10) % 1440, timeZone: 'UTC' };
        const destination = await confirmed(notifier.store, 'night', { kind: 'email', address: 'night@example.org', quietHours: quiet, maxPerHour: 1 });
        await notifier.store.createRule('night', { name: 'Mine', tracking: { myPackages: true }, destinations: [destination] });
        await notifier.settle();
        const first = buildMessage('nightpkg', 'x');
        await notifier.handle(first);
        assert.equal(results.at(-1)!.outcomes.get(destination), 'quiet');
        const second = buildMessage('nightpkg', 'x');
        await notifier.handle(second);
        assert.equal(results.at(-1)!.outcomes.get(destination), 'quiet');
        // After the quiet hours (a tick at a time outside them), the waiting one goes as a digest.
        const outside = minuteStart + 10 * 60_000 + 10_000; // the one minute that is not quiet
        await (notifier as unknown as { digests: { tick(now: number): Promise<void> } }).digests.tick(outside);
        // Queued at that (future) time; what it carries is what the channel will be handed.
        const [digest] = (await notifier.delivery.jobsOf(destination)).filter((row) => row.kind === 'digest');
        assert.ok(digest, 'a digest was queued after the quiet hours');
        assert.equal(digest.state, 'queued');
        const carried = (JSON.parse(digest.payload) as { notifications: Array<{ messageId: string }> }).notifications;
        assert.deepEqual(carried.map((n) => n.messageId), [first.id, second.id], 'one digest carries both, oldest first');
      });

      test('over its hourly limit, an immediate destination keeps the rest for a digest', async () => {
        await notifier.store.ensureUser('busy');
        await notifier.store.setOwner('busypkg', 'busy');
        const destination = await confirmed(notifier.store, 'busy', { kind: 'email', address: 'busy@example.org', maxPerHour: 2 });
        await notifier.store.createRule('busy', { name: 'Mine', tracking: { myPackages: true }, destinations: [destination] });
        await notifier.settle();
        const outcomes: string[] = [];
        for (let i = 0; i < 4; i++) {
          await notifier.handle(buildMessage('busypkg', 'x'));
          outcomes.push(results.at(-1)!.outcomes.get(destination)!);
        }
        assert.deepEqual(outcomes, ['queued', 'queued', 'over-limit', 'over-limit']);
        const waiting = (await notifier.delivery.pendingSummaries()).find((p) => p.destinationId === destination);
        assert.equal(waiting?.count, 2);
      });
    });
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
