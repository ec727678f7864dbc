/**
 * Notifications end to end inside `tidings serve`: messages published to serve's bus reach a real
 * SMTP server as the person asked — "email me about builds of the packages I own, but not my own
 * actions, in an hourly digest" — and an immediate destination gets each at once. The settings are
 * made through the store, as the settings API does.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { connect } from '../../src/connect.js';
import type { Bus } from '../../src/bus/index.js';
import type { RunningServer } from '../../src/cli/serve.js';
import { DeliveryStore, feedToken, InboxStore, loadNotifySecret, NotifyStore } from '../../src/notify/index.js';
import { openDatabase, type StoreDatabase } from '../../src/store/index.js';
import { startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/deliveries.js';
import { cleanup, makeTempDir, runTidings } from '../helpers/processes.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';

const BUILD = 'org.fedoraproject.prod.buildsys.build.state.change';
const build = (name: string, owner: string, release: string) => ({
  topic: BUILD,
  body: { build_id: 1, name, version: '1.0', release, owner, new: 1, old: 0, attribute: 'state', instance: 'primary', epoch: null, task_id: 2 },
});

describe('notifications inside tidings serve', { timeout: 90_000 }, () => {
  let smtp: TestSmtpServer;
  let server: RunningServer;
  let bus: Bus;
  let database: StoreDatabase;
  let store: NotifyStore;
  let dataDir: string;

  before(async () => {
    smtp = await startSmtpServer();
    dataDir = join(makeTempDir(), 'data');
    server = await startTestServer(dataDir, { notify: { email: { smtp_url: smtp.url, from: 'Tidings <tidings@notify.example.org>' } } });
    bus = await connect(server.url);
    database = await openDatabase({ dataDir });
    store = new NotifyStore(database);
  });
  after(async () => {
    await bus.close();
    await database.close();
    await server.close();
    await smtp.close();
    cleanup();
  });

  test('builds of my packages, not my own, in an hourly digest: exactly those, in one email', async () => {
    await store.ensureUser('alice', { email: 'alice@example.org' });
    await store.setOwner('kernel', 'alice');
    await store.setOwner('glibc', 'alice');
    const { destination, code } = await store.addDestination('alice', { kind: 'email', address: 'alice@example.org', delivery: { kind: 'digest', everyMinutes: 60 } });
    await store.verifyDestination('alice', destination.id, code);
    await store.createRule('alice', { name: 'Builds of my packages', tracking: { myPackages: true }, filters: { includeApps: ['buildsys'], excludeMyActions: true }, destinations: [destination.id] });
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the notifier reads settings every second

    const wanted = [build('kernel', 'bob', '1.fc42'), build('glibc', 'carol', '2.fc42')];
    const unwanted = [
      build('kernel', 'alice', '3.fc42'), // her own action
      build('firefox', 'bob', '4.fc42'), // not her package
      { topic: 'org.fedoraproject.prod.bodhi.update.comment', body: { comment: { text: 'works', user: { name: 'bob' }, update: { alias: 'FEDORA-2026-1', builds: [{ nvr: 'kernel-1.0-1.fc42' }], user: { name: 'alice' } } } } }, // not a build
    ];
    for (const message of [...wanted, ...unwanted]) await bus.publish(message as never);
    const delivery = new DeliveryStore(database);
    await eventually(async () => (await delivery.pendingSummaries()).find((p) => p.destinationId === destination.id)?.count === 2, 'two builds waiting for the digest');
    assert.equal(smtp.mails.filter((m) => m.recipients.includes('alice@example.org')).length, 0, 'nothing is sent before the hour is up');

    // An hour passes: the digest is due from the oldest waiting notification.
    await database.db.updateTable('notify_pending' as never).set({ created_at: Date.now() - 61 * 60_000 } as never).execute();
    const mail = await smtp.waitFor((m) => m.recipients.includes('alice@example.org') && /^\[tidings\] 2 notifications/.test(m.parsed.subject ?? ''), 'the digest', 30_000);
    const text = mail.parsed.text ?? '';
    assert.match(text, /kernel-1\.0-1\.fc42/);
    assert.match(text, /glibc-1\.0-2\.fc42/);
    for (const release of ['3.fc42', '4.fc42']) assert.doesNotMatch(text, new RegExp(release.replace('.', '\\.')));
    assert.doesNotMatch(text, /FEDORA-2026-1/);
    assert.match(text, /because you own kernel — rule "Builds of my packages"/);
    assert.equal(smtp.mails.filter((m) => m.recipients.includes('alice@example.org')).length, 1, 'one email');
  });

  test('an immediate destination gets each notification at once, and a redelivered message once', async () => {
    await store.ensureUser('dave');
    await store.setOwner('nginx', 'dave');
    const { destination, code } = await store.addDestination('dave', { kind: 'email', address: 'dave@example.org' });
    await store.verifyDestination('dave', destination.id, code);
    await store.createRule('dave', { name: 'Mine', tracking: { myPackages: true }, destinations: [destination.id] });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const id = randomUUID();
    await bus.publish({ id, ...build('nginx', 'bob', '9.fc42') } as never);
    const mail = await smtp.waitFor((m) => m.recipients.includes('dave@example.org'), 'the immediate email');
    assert.match(mail.parsed.subject ?? '', /^\[buildsys\] bob's nginx-1\.0-9\.fc42/);
    assert.equal(mail.parsed.headers.get('x-tidings-package'), 'nginx');
    // The same message id again (a replay): no second email.
    await bus.publish({ id, ...build('nginx', 'bob', '9.fc42') } as never, { raw: true });
    const second = randomUUID();
    await bus.publish({ id: second, ...build('nginx', 'bob', '10.fc42') } as never);
    await smtp.waitFor((m) => m.recipients.includes('dave@example.org') && /10\.fc42/.test(m.parsed.subject ?? ''), 'the next email');
    assert.equal(smtp.mails.filter((m) => m.recipients.includes('dave@example.org') && /9\.fc42/.test(m.parsed.subject ?? '')).length, 1);
  });

  test('a refused email is a dead letter with the reason; `tidings notify retry` sends it once the cause is fixed', async () => {
    await store.ensureUser('erin');
    await store.setOwner('bash', 'erin');
    const { destination, code } = await store.addDestination('erin', { kind: 'email', address: 'erin@example.org' });
    await store.verifyDestination('erin', destination.id, code);
    await store.createRule('erin', { name: 'Mine', tracking: { myPackages: true }, destinations: [destination.id] });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    smtp.refuse(550);
    await bus.publish(build('bash', 'bob', '5.fc42') as never);
    const delivery = new DeliveryStore(database);
    await eventually(async () => (await delivery.list({ state: 'dead', destinationId: destination.id })).length === 1, 'the dead letter', 15_000);

    const listed = await runTidings(['notify', 'deliveries', '--state', 'dead', '--destination', destination.id, '--json', '--data', dataDir]);
    assert.equal(listed.code, 0, listed.stderr);
    const [dead] = listed.lines.map((line) => JSON.parse(line) as { state: string; error: string; channel: string });
    assert.equal(dead?.state, 'dead');
    assert.equal(dead?.channel, 'email');
    assert.match(dead?.error ?? '', /550/);

    const retried = await runTidings(['notify', 'retry', '--destination', destination.id, '--data', dataDir]);
    assert.equal(retried.code, 0, retried.stderr);
    assert.match(retried.stdout, /1 dead delivery queued again/);
    const mail = await smtp.waitFor((m) => m.recipients.includes('erin@example.org'), 'the retried email', 15_000);
    assert.match(mail.parsed.subject ?? '', /bash-1\.0-5\.fc42/);
  });

  test("the email's one-click unsubscribe link stops that destination, and only with its token", async () => {
    const mail = smtp.mails.find((m) => m.recipients.includes('dave@example.org'))!;
    const head = mail.raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
    const link = /^List-Unsubscribe: <([^>]+)>/im.exec(head)?.[1];
    assert.ok(link, 'the email has a List-Unsubscribe link');
    const url = new URL(link);
    assert.equal(url.origin, new URL(server.url).origin, "the link points at this serve (its own URL, no public_url set)");
    const destination = (await store.destinations('dave')).find((d) => d.kind === 'email')!;

    const forged = await fetch(`${url.origin}${url.pathname}?token=${'A'.repeat(43)}`, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(forged.status, 403);
    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Stop every notification to <strong>dave@example\.org<\/strong>/);
    assert.equal((await store.destinationById(destination.id))!.disabled, false, 'opening the link changes nothing');

    // What a mail client does (RFC 8058).
    const oneClick = await fetch(link, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(oneClick.status, 200);
    assert.equal((await store.destinationById(destination.id))!.disabled, true);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the notifier reads settings every second
    const before = smtp.mails.length;
    await bus.publish(build('nginx', 'bob', '11.fc42') as never);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(smtp.mails.slice(before).filter((m) => m.recipients.includes('dave@example.org')).length, 0, 'nothing more goes there');
  });

  test("a person's inbox is an Atom feed behind their feed token", async () => {
    const secret = await loadNotifySecret(database);
    const feed = await fetch(`${server.url}/notify/feed/dave.atom?token=${feedToken(secret, 'dave')}`);
    assert.equal(feed.status, 200);
    assert.match(feed.headers.get('content-type') ?? '', /^application\/atom\+xml/);
    const text = await feed.text();
    assert.match(text, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom">/);
    assert.match(text, /<title>\[buildsys\] bob&apos;s nginx-1\.0-9\.fc42/);
    assert.match(text, /because you own nginx — rule &quot;My events and packages&quot;/);
    assert.equal((text.match(/<entry>/g) ?? []).length, (await new InboxStore(database).list('dave')).entries.length);
    assert.equal((await fetch(`${server.url}/notify/feed/dave.atom?token=${feedToken(secret, 'erin')}`)).status, 403, "another person's token");
    assert.equal((await fetch(`${server.url}/notify/feed/dave.atom`)).status, 403);
  });
});
