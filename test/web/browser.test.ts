/**
 * The promise, in a real browser (Debian's Chromium driven by playwright-core) against a
 * real OpenID provider (oidc-provider) and a real SMTP server: a person logs in, adds an email
 * destination as an hourly digest and confirms it with the code mailed to them, makes the rule
 * "builds of the packages I own, but not my own actions", previews it over the archive, saves it —
 * and the digest that arrives holds exactly those builds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Server } from 'node:http';
import Provider from 'oidc-provider';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { connect } from '../../src/connect.js';
import type { Bus } from '../../src/bus/index.js';
import type { RunningServer } from '../../src/cli/serve.js';
import { DeliveryStore, NotifyStore } from '../../src/notify/index.js';
import { openDatabase, type StoreDatabase } from '../../src/store/index.js';
import { startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/deliveries.js';
import { cleanup, closedPort, makeTempDir } from '../helpers/processes.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';

const BUILD = 'org.fedoraproject.prod.buildsys.build.state.change';
const build = (name: string, owner: string, release: string) => ({
  topic: BUILD,
  body: { build_id: 1, name, version: '1.0', release, owner, new: 1, old: 0, attribute: 'state', instance: 'primary', epoch: null, task_id: 2 },
});

const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

/** An OpenID provider whose accounts are whatever name is typed at its login (its development interactions). */
async function startProvider(port: number, redirectUri: string): Promise<Server> {
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [{ client_id: 'tidings', client_secret: 'tidings-test-secret', redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
    claims: { openid: ['sub'], profile: ['preferred_username'], email: ['email', 'email_verified'] },
    findAccount: async (_context, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, preferred_username: sub, email: `${sub}@example.org`, email_verified: true }),
    }),
    cookies: { keys: ['tidings-test-cookie-key'] },
    ttl: { Session: 3_600, Grant: 3_600, AccessToken: 3_600, IdToken: 3_600, Interaction: 600, AuthorizationCode: 60 },
  });
  return new Promise((resolve) => {
    const server = provider.listen(port, () => resolve(server));
  });
}

describe('in the browser: log in, ask for an hourly digest of my packages\' builds, receive exactly that', { timeout: 120_000 }, () => {
  let smtp: TestSmtpServer;
  let provider: Server;
  let server: RunningServer;
  let bus: Bus;
  let database: StoreDatabase;
  let browser: BrowserContext;
  let page: Page;
  let dataDir: string;

  before(async () => {
    smtp = await startSmtpServer();
    const [servePort, providerPort] = [await closedPort(), await closedPort()];
    const serveUrl = `http://127.0.0.1:${servePort}`;
    provider = await startProvider(providerPort, `${serveUrl}/login/callback`);
    dataDir = join(makeTempDir(), 'data');
    server = await startTestServer(dataDir, {
      serve: { listen: `127.0.0.1:${servePort}` },
      notify: {
        email: { smtp_url: smtp.url, from: 'Tidings <tidings@notify.example.org>' },
        auth: { oidc_issuer: `http://127.0.0.1:${providerPort}`, oidc_client_id: 'tidings', oidc_client_secret: 'tidings-test-secret' },
      },
    });
    bus = await connect(server.url);
    database = await openDatabase({ dataDir });
    browser = await chromium.launchPersistentContext(makeTempDir('tidings-chromium-'), { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
    page = browser.pages()[0] ?? (await browser.newPage());
  });

  after(async () => {
    await browser?.close();
    await bus?.close();
    await database?.close();
    await server?.close();
    await new Promise((resolve) => provider?.close(resolve));
    await smtp?.close();
    cleanup();
  });

  test('the whole path', async () => {
    // Logged out, the settings send the browser to the provider and back.
    await page.goto(`${server.url}/settings`);
    await page.fill('input[name="login"]', 'jsmith');
    await page.fill('input[name="password"]', 'any');
    await page.click('button[type="submit"]');
    await page.click('button[type="submit"]'); // the provider's consent: "Continue"
    await page.waitForURL(`${server.url}/settings`);
    assert.equal(await page.textContent('header .muted'), 'jsmith');
    assert.equal(await page.locator('.banner.dev').count(), 0, 'no development-login banner with a real provider');

    // The package database says jsmith owns kernel (as its messages on the bus would).
    const store = new NotifyStore(database);
    const me = await store.getUser('jsmith');
    assert.equal(me?.email, 'jsmith@example.org', "the provider's verified email is kept");
    await store.setOwner('kernel', 'jsmith');

    // An email destination, as an hourly digest, confirmed with the mailed code.
    await page.click('text=Add a destination');
    await page.selectOption('#kind', 'email');
    await page.fill('#address', 'jsmith@example.org');
    await page.check('#mode-digest');
    await page.fill('#everyMinutes', '60');
    await page.click('#add');
    const codeMail = await smtp.waitFor((mail) => mail.recipients.includes('jsmith@example.org') && /confirmation code/.test(mail.parsed.text ?? ''), 'the confirmation code');
    const code = /confirmation code: (\S+)/.exec(codeMail.parsed.text!)![1]!;
    await page.fill('#code', code);
    await page.click('#confirm');
    await page.waitForURL(/\/settings\?done=destination-confirmed$/);
    assert.match((await page.textContent('#destinations')) ?? '', /jsmith@example\.org\s*digest every 1 h\s*on/);

    // Last week, in the archive: kernel built by someone else and by jsmith, glibc by someone else.
    await bus.publish(build('kernel', 'kwizart', 'lastweek.fc42'));
    await bus.publish(build('kernel', 'jsmith', 'mine-lastweek.fc42'));
    await bus.publish(build('glibc', 'kwizart', 'glibc-lastweek.fc42'));

    // The rule: packages I own, builds only, not my own actions (the default), to the email.
    await page.click('text=New rule');
    await page.fill('#name', 'Builds of my packages');
    await page.check('#myPackages');
    await page.fill('#includeApps', 'buildsys');
    assert.equal(await page.isChecked('#myActions'), false);
    await page.check('text=Email: jsmith@example.org');
    await eventually(async () => {
      await page.click('#preview-button');
      return /would have sent 1 notification/.test((await page.textContent('#preview')) ?? '');
    }, 'the preview to show last week\'s one kernel build', 10_000);
    const preview = (await page.textContent('#preview'))!;
    assert.match(preview, /lastweek\.fc42/);
    assert.match(preview, /because you own kernel/);
    assert.doesNotMatch(preview, /mine-lastweek|glibc-lastweek/);
    await page.click('#save');
    // The page's own banner, not waitForURL: after the preview's form posts, Playwright's load-state
    // tracking of this frame can miss the redirect's load even though the page is complete.
    await page.waitForSelector('.banner.notice >> text=The rule is saved.');
    assert.match(page.url(), /\/settings\?done=rule-saved$/);
    assert.match((await page.textContent('#rules')) ?? '', /Builds of my packages\s*packages I own\s*only buildsys; info and up; not my own actions/);

    // Now: the rule is in force within the notifier's poll; builds come, the hour passes, one digest.
    const delivery = new DeliveryStore(database);
    const emailId = (await store.destinations('jsmith')).find((destination) => destination.kind === 'email')!.id;
    let attempt = 0;
    await eventually(async () => {
      await bus.publish(build('kernel', 'kwizart', `now-${(attempt += 1)}.fc42`));
      await new Promise((resolve) => setTimeout(resolve, 300));
      return ((await delivery.pendingSummaries()).find((pending) => pending.destinationId === emailId)?.count ?? 0) > 0;
    }, 'a kernel build waiting for the digest', 15_000);
    // Builds published before the rule was in force went unheard: count from what waits now.
    const waiting = (await delivery.pendingSummaries()).find((pending) => pending.destinationId === emailId)!.count;
    await bus.publish(build('kernel', 'jsmith', 'mine-now.fc42'));
    await bus.publish(build('glibc', 'kwizart', 'glibc-now.fc42'));
    await bus.publish(build('kernel', 'kbuilder', 'last.fc42'));
    await eventually(async () => (await delivery.pendingSummaries()).find((pending) => pending.destinationId === emailId)?.count === waiting + 1, 'the last kernel build waiting too');
    assert.equal(smtp.mails.filter((mail) => mail.recipients.includes('jsmith@example.org')).length, 1, 'only the code so far: the digest waits for the hour');

    await database.db.updateTable('notify_pending' as never).set({ created_at: Date.now() - 61 * 60_000 } as never).execute();
    const digest = await smtp.waitFor((mail) => mail.recipients.includes('jsmith@example.org') && /^\[tidings\] \d+ notifications? since/.test(mail.parsed.subject ?? ''), 'the hourly digest', 30_000);
    const text = digest.parsed.text ?? '';
    assert.match(digest.parsed.subject!, new RegExp(`^\\[tidings\\] ${waiting + 1} notification`));
    assert.match(text, /kernel-1\.0-last\.fc42/);
    assert.match(text, /because you own kernel — rule "Builds of my packages"/);
    assert.doesNotMatch(text, /mine-now|glibc-now|lastweek/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(smtp.mails.filter((mail) => mail.recipients.includes('jsmith@example.org')).length, 2, 'the code and one digest, nothing else');

    // Logging out ends the session: the settings ask for a login again.
    await page.goto(`${server.url}/settings`);
    await page.click('header button');
    await page.waitForSelector('text=You are logged out of Tidings.');
    assert.match(page.url(), /\/login\?done=logged-out$/);
    assert.equal(await page.getAttribute('#login', 'href'), '/login?next=%2Fsettings');
    const after = await fetch(`${server.url}/api/v1/notify/me`, { headers: { cookie: (await browser.cookies(server.url)).map((c) => `${c.name}=${c.value}`).join('; ') } });
    assert.equal(after.status, 401);
  });
});
