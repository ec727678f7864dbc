/**
 * Notification settings as people use them, against a real `tidings serve` (development login, a
 * real SMTP server): the REST API's refusals (no login, no CSRF token, another person's rule, an
 * invalid rule), and the pages' whole path — add an email destination, confirm it with the code
 * that arrives by mail, preview a rule over the archive, save it, and get the next build by email,
 * without one's own.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect } from '../../src/connect.js';
import type { Bus } from '../../src/bus/index.js';
import type { RunningServer } from '../../src/cli/serve.js';
import { startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/deliveries.js';
import { cleanup, makeTempDir } from '../helpers/processes.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { CookieClient } from './browser-client.js';

const BUILD = 'org.fedoraproject.prod.buildsys.build.state.change';
const build = (name: string, owner: string, release: string) => ({
  topic: BUILD,
  body: { build_id: 1, name, version: '1.0', release, owner, new: 1, old: 0, attribute: 'state', instance: 'primary', epoch: null, task_id: 2 },
});

describe('notification settings: API and pages', { timeout: 90_000 }, () => {
  let smtp: TestSmtpServer;
  let server: RunningServer;
  let bus: Bus;

  before(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer(join(makeTempDir(), 'data'), { notify: { email: { smtp_url: smtp.url, from: 'Tidings <tidings@notify.example.org>' } } });
    bus = await connect(server.url);
  });

  after(async () => {
    await bus?.close();
    await server?.close();
    await smtp?.close();
    cleanup();
  });

  test('without a login the API answers 401 and pages send the browser to /login, coming back after', async () => {
    const anonymous = new CookieClient(server.url);
    assert.equal((await anonymous.api('GET', '/api/v1/notify/me')).status, 401);
    assert.equal((await anonymous.api('GET', '/api/v1/notify/rules')).status, 401);
    const page = await anonymous.get('/settings/rules/new?package=kernel');
    assert.equal(page.status, 303);
    assert.equal(page.location, `/login?next=${encodeURIComponent('/settings/rules/new?package=kernel')}`);
    const person = new CookieClient(server.url);
    assert.equal(await person.devLogin('jdoe', '/settings/rules/new?package=kernel'), '/settings/rules/new?package=kernel');
    const form = await person.get('/settings/rules/new?package=kernel');
    assert.equal(form.status, 200);
    assert.match(form.text, /id="packages" name="packages" value="kernel"/);
    assert.match(form.text, /Local development login/);
  });

  test('a login never sends the browser to another site', async () => {
    for (const next of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', '/ok\r\nSet-Cookie: x=1']) {
      assert.equal(await new CookieClient(server.url).devLogin('jdoe', next), '/settings', next);
    }
  });

  test('apps link to /settings?package=NAME: a new rule pre-filled with it', async () => {
    const answer = await new CookieClient(server.url).get('/settings?package=kernel&x=1');
    assert.equal(answer.status, 303);
    assert.equal(answer.location, '/settings/rules/new?package=kernel');
  });

  test('changes need the session CSRF token; invalid rules are refused with every reason', async () => {
    const person = new CookieClient(server.url);
    await person.devLogin('ckent');
    const rule = { name: 'Kernel', tracking: { packages: ['kernel'] }, destinations: [] as string[] };
    const refused = await person.api('POST', '/api/v1/notify/rules', rule);
    assert.equal(refused.status, 403);
    assert.equal(JSON.parse(refused.text).code, 'CSRF_TOKEN_INVALID');
    const csrf = await person.csrf();
    const invalid = await person.api('POST', '/api/v1/notify/rules', { name: '', tracking: { packages: ['not a package!'] }, filters: { minSeverity: 7 } }, csrf);
    assert.equal(invalid.status, 400);
    const fields = (JSON.parse(invalid.text) as { issues: Array<{ field: string }> }).issues.map((issue) => issue.field);
    assert.ok(fields.includes('name') && fields.includes('filters.minSeverity') && fields.some((field) => field.startsWith('tracking.packages')), fields.join(', '));
    // A form posted from another site carries no token: refused, and nothing saved.
    const forged = await person.post('/settings/rules/new', { name: 'Forged', packages: 'kernel' });
    assert.equal(forged.status, 403);
    const rules = JSON.parse((await person.api('GET', '/api/v1/notify/rules')).text) as { rules: Array<{ name: string }> };
    assert.deepEqual(rules.rules.map((r) => r.name), ['My events and packages']);
  });

  test("nobody reads or changes another person's rules or destinations", async () => {
    const alice = new CookieClient(server.url);
    await alice.devLogin('alice');
    const aliceRules = JSON.parse((await alice.api('GET', '/api/v1/notify/rules')).text) as { rules: Array<{ id: string }> };
    const aliceDestinations = JSON.parse((await alice.api('GET', '/api/v1/notify/destinations')).text) as { destinations: Array<{ id: string }> };
    const ruleId = aliceRules.rules[0]!.id;
    const bob = new CookieClient(server.url);
    await bob.devLogin('bob');
    const csrf = await bob.csrf();
    assert.equal((await bob.api('GET', `/api/v1/notify/rules/${ruleId}`)).status, 403);
    assert.equal((await bob.api('PATCH', `/api/v1/notify/rules/${ruleId}`, { enabled: false }, csrf)).status, 403);
    assert.equal((await bob.api('DELETE', `/api/v1/notify/rules/${ruleId}`, undefined, csrf)).status, 403);
    assert.equal((await bob.api('GET', `/api/v1/notify/destinations/${aliceDestinations.destinations[0]!.id}`)).status, 403);
    assert.equal((await bob.get(`/settings/rules/${ruleId}`)).status, 403);
    assert.equal((await bob.post(`/settings/rules/${ruleId}/delete`, { _csrf: csrf })).status, 403);
    // Not an administrator either.
    assert.equal((await bob.api('GET', '/api/v1/notify/admin/rules')).status, 403);
    const still = JSON.parse((await alice.api('GET', `/api/v1/notify/rules/${ruleId}`)).text) as { enabled: boolean };
    assert.equal(still.enabled, true);
  });

  test('pages: confirm an email by its code, preview a rule over the archive, save it, get the next build by email', async () => {
    const person = new CookieClient(server.url);
    await person.devLogin('jsmith');
    const csrf = await person.csrf();

    const added = await person.post('/settings/destinations/new', { _csrf: csrf, kind: 'email', address: 'jsmith@example.org', label: 'Work', mode: 'immediate', everyMinutes: '', afterCount: '', maxPerHour: '', quietStart: '', quietEnd: '', timeZone: '' });
    assert.equal(added.status, 303, added.text.slice(0, 500));
    const verifyPath = added.location!.split('?')[0]!;
    const codeMail = await smtp.waitFor((mail) => mail.recipients.includes('jsmith@example.org') && /confirmation code/.test(mail.parsed.text ?? ''), 'the confirmation code');
    const code = /confirmation code: (\S+)/.exec(codeMail.parsed.text!)![1]!;
    const wrong = await person.post(verifyPath, { _csrf: csrf, code: 'not-the-code' });
    assert.equal(wrong.status, 400);
    const confirmed = await person.post(verifyPath, { _csrf: csrf, code });
    assert.equal(confirmed.status, 303);
    const destinations = JSON.parse((await person.api('GET', '/api/v1/notify/destinations')).text) as { destinations: Array<{ id: string; kind: string; verifiedAt: number | null }> };
    const email = destinations.destinations.find((destination) => destination.kind === 'email')!;
    assert.notEqual(email.verifiedAt, null);

    // Last week's builds, in the archive: one of kernel by someone else, one by jsmith himself.
    await bus.publish(build('kernel', 'kwizart', 'earlier.fc41'));
    await bus.publish(build('kernel', 'jsmith', 'mine.fc41'));
    await bus.publish(build('glibc', 'kwizart', 'other.fc41'));
    const form = { _csrf: csrf, name: 'Kernel <b>builds</b>', packages: 'kernel', includeApps: 'buildsys', minSeverity: '20', destinations: email.id };
    let preview = '';
    await eventually(async () => {
      preview = (await person.post('/settings/rules/preview', form)).text;
      return /would have sent <strong>1<\/strong> notification/.test(preview);
    }, 'the preview to find the archived kernel build');
    assert.match(preview, /earlier\.fc41/);
    assert.doesNotMatch(preview, /mine\.fc41|other\.fc41/);
    assert.match(preview, /value="Kernel &lt;b&gt;builds&lt;\/b&gt;"/);
    assert.doesNotMatch(preview, /<b>builds/);

    const saved = await person.post('/settings/rules/new', form);
    assert.equal(saved.status, 303);
    assert.equal(saved.location, '/settings?done=rule-saved');
    const overview = await person.get(saved.location!);
    assert.match(overview.text, /The rule is saved\./);
    assert.match(overview.text, /Kernel &lt;b&gt;builds&lt;\/b&gt;/);
    assert.match(overview.headers.get('content-security-policy') ?? '', /default-src 'none'; style-src 'self'; .*form-action 'self'/);

    // The notifier picks a saved rule up within its index's poll (a second): until then, builds go unheard.
    const toJsmith = (pattern: RegExp) => () => smtp.mails.some((received) => received.recipients.includes('jsmith@example.org') && pattern.test(received.parsed.subject ?? ''));
    let attempt = 0;
    await eventually(async () => {
      await bus.publish(build('kernel', 'kwizart', `first-${(attempt += 1)}.fc41`));
      await new Promise((resolve) => setTimeout(resolve, 300));
      return toJsmith(/first-\d+\.fc41/)();
    }, 'a first build email once the rule is in force', 15_000);
    await bus.publish(build('kernel', 'jsmith', 'own-now.fc41'));
    await bus.publish(build('kernel', 'kwizart', 'next.fc41'));
    const mail = await smtp.waitFor((received) => received.recipients.includes('jsmith@example.org') && /next\.fc41/.test(received.parsed.subject ?? ''), 'the build email', 15_000);
    assert.match(mail.parsed.subject!, /^\[buildsys\] /);
    assert.match(mail.parsed.text!, /Kernel <b>builds<\/b>/);
    assert.ok(!toJsmith(/own-now\.fc41|earlier\.fc41/)(), 'no email for his own build, nor for the one before the rule');
  });
});
