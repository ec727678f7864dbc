/** The email channel against a real SMTP server: what arrives, its headers, and how failures are told apart. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { DeliveryError } from '../../../src/notify/index.js';
import { EmailChannel } from '../../../src/notify/channels/email.js';
import { startSmtpServer, type TestSmtpServer } from '../../helpers/smtp.js';
import { destination, digestJob, links, notificationJob, verificationJob } from './jobs.js';

/** A header as it was written (mailparser turns List-* headers into structures), unfolded. */
const header = (mail: { raw: string }, name: string): string | undefined => {
  const head = mail.raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((candidate) => candidate.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
};

describe('email channel', () => {
  let smtp: TestSmtpServer;
  let channel: EmailChannel;
  const to = destination('email', 'alice@example.org');

  before(async () => {
    smtp = await startSmtpServer();
    channel = new EmailChannel({ smtpUrl: smtp.url, from: 'Tidings <tidings@notify.example.org>', timeoutMs: 5_000 });
  });
  after(async () => {
    await channel.close();
    await smtp.close();
  });

  test('a notification: [app] summary, the link, the reason with its rule, and a one-click unsubscribe', async () => {
    await channel.send(notificationJob(to, {}, 'job-a'));
    const mail = await smtp.waitFor((m) => m.parsed.messageId === '<job-a@notify.example.org>', 'job-a');
    assert.equal(mail.parsed.subject, "[buildsys] koji's kernel-6.12.0-1.fc42 completed");
    assert.deepEqual(mail.recipients, ['alice@example.org']);
    const text = mail.parsed.text ?? '';
    assert.match(text, /https:\/\/koji\.fedoraproject\.org\/koji\/buildinfo\?buildID=1/);
    assert.match(text, /You get this because you own kernel — rule "My packages": https:\/\/tidings\.example\.org\/settings\/rules\/r-1/);
    assert.equal(header(mail, 'List-Unsubscribe'), `<${links.unsubscribe(to.id)}>`);
    assert.equal(header(mail, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
    assert.equal(header(mail, 'X-Tidings-Topic'), 'org.fedoraproject.prod.buildsys.build.state.change');
    assert.equal(header(mail, 'X-Tidings-App'), 'buildsys');
    assert.equal(header(mail, 'X-Tidings-Package'), 'kernel');
    assert.equal(header(mail, 'X-Tidings-User'), 'koji, alice');
    assert.equal(header(mail, 'Auto-Submitted'), 'auto-generated');
    assert.equal(mail.parsed.date?.toISOString(), '2026-12-06T14:05:00.000Z');
    assert.match(mail.parsed.html || '', /<a href="https:\/\/koji\.fedoraproject\.org[^"]*">koji&#39;s kernel/);
  });

  test('a retried send carries the same Message-ID', async () => {
    await channel.send(notificationJob(to, { summary: 'retry me' }, 'job-retry'));
    await channel.send(notificationJob(to, { summary: 'retry me' }, 'job-retry'));
    await smtp.waitFor((m) => m.parsed.subject === '[buildsys] retry me' && smtp.mails.filter((x) => x.parsed.subject === '[buildsys] retry me').length === 2, 'both tries');
    const ids = smtp.mails.filter((m) => m.parsed.subject === '[buildsys] retry me').map((m) => m.parsed.messageId);
    assert.deepEqual(ids, ['<job-retry@notify.example.org>', '<job-retry@notify.example.org>']);
  });

  test('commit mail shows the commit and its patch excerpt', async () => {
    const commit = {
      repository: 'rpms/kernel', branch: 'rawhide', rev: '0f7c3e1d9b2a', author: 'Alice Example <alice@example.org>', subject: 'Update to 6.12.1',
      message: 'Update to 6.12.1\n\nFixes rhbz#1\n', files: [{ path: 'kernel.spec', insertions: 3, deletions: 2 }],
      patch: 'diff --git a/kernel.spec b/kernel.spec\n-Version: 6.12.0\n+Version: 6.12.1\n', patchTruncated: true,
    };
    await channel.send(notificationJob(to, { app: 'git', topic: 'org.fedoraproject.prod.git.receive', summary: 'alice pushed to rpms/kernel (rawhide): "Update to 6.12.1"', commit }, 'job-commit'));
    const mail = await smtp.waitFor((m) => m.parsed.messageId === '<job-commit@notify.example.org>', 'commit mail');
    assert.match(mail.parsed.subject ?? '', /^\[git\] alice pushed to rpms\/kernel/);
    const text = mail.parsed.text ?? '';
    assert.match(text, /Branch: +rawhide/);
    assert.match(text, /kernel\.spec +\| \+3 -2/);
    assert.match(text, /\+Version: 6\.12\.1/);
    assert.match(text, /the patch is longer/);
    assert.match(mail.parsed.html || '', /<pre[^>]*>diff --git/);
  });

  test('a digest is one mail listing every notification, grouped by application', async () => {
    await channel.send(digestJob(to, 12));
    const mail = await smtp.waitFor((m) => m.parsed.messageId === '<digest-12@notify.example.org>', 'the digest');
    assert.equal(mail.parsed.subject, '[tidings] 12 notifications since 13:00 UTC');
    const text = mail.parsed.text ?? '';
    for (let i = 0; i < 12; i++) assert.match(text, new RegExp(`event number ${i}\\b`));
    assert.match(text, /== bodhi \(4\) ==/);
    assert.match(text, /== buildsys \(8\) ==/);
    assert.equal(header(mail, 'X-Tidings-App'), 'bodhi, buildsys');
    assert.equal(header(mail, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
  });

  test('a confirmation mail carries the code and the link', async () => {
    await channel.send(verificationJob(to, 'K7QX2MPA'));
    const mail = await smtp.waitFor((m) => m.parsed.subject === 'Confirm your email address for Tidings notifications', 'the confirmation');
    assert.match(mail.parsed.text ?? '', /K7QX2MPA/);
    assert.match(mail.parsed.text ?? '', /\/settings\/destinations\/d-email\/verify\?code=K7QX2MPA/);
  });

  test('a hostile summary cannot add a header', async () => {
    await channel.send(notificationJob(to, { summary: 'ok\r\nBcc: victim@example.org\r\nX-Evil: 1' }, 'job-hostile'));
    const mail = await smtp.waitFor((m) => m.parsed.messageId === '<job-hostile@notify.example.org>', 'the hostile one');
    assert.equal(mail.parsed.headers.get('bcc'), undefined);
    assert.equal(mail.parsed.headers.get('x-evil'), undefined);
    assert.deepEqual(mail.recipients, ['alice@example.org']);
    assert.equal(mail.parsed.subject, '[buildsys] ok Bcc: victim@example.org X-Evil: 1');
  });

  test('5xx is a refusal for good, 4xx a failure worth retrying', async () => {
    smtp.refuse(550);
    await assert.rejects(channel.send(notificationJob(to, {}, 'job-550')), (error: unknown) => error instanceof DeliveryError && error.permanent && /550/.test(error.message));
    smtp.refuse(451);
    await assert.rejects(channel.send(notificationJob(to, {}, 'job-451')), (error: unknown) => error instanceof DeliveryError && !error.permanent && /451/.test(error.message));
  });

  test('a mail server that is down is a failure worth retrying', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const down = new EmailChannel({ smtpUrl: `smtp://127.0.0.1:${closed}`, from: 'tidings@example.org', timeoutMs: 2_000 });
    await assert.rejects(down.send(notificationJob(to)), (error: unknown) => error instanceof DeliveryError && !error.permanent && /could not reach the mail server/.test(error.message));
    await down.close();
  });

  test('many sends at once all arrive', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => channel.send(notificationJob(to, { summary: `burst ${i}` }, `burst-${i}`))));
    await smtp.waitFor(() => smtp.mails.filter((m) => /^\[buildsys\] burst \d+$/.test(m.parsed.subject ?? '')).length === 40, 'all 40');
  });
});
