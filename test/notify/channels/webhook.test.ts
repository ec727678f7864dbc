/** The webhook channel against a real HTTP receiver that checks signatures as a receiver should. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { DeliveryError } from '../../../src/notify/index.js';
import { WebhookChannel, retryAfterMs } from '../../../src/notify/channels/webhook.js';
import { destination, digestJob, notificationJob, verificationJob } from './jobs.js';

const SECRET = 'the-destination-secret';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly valid: boolean;
}

/** What a receiver does: HMAC over "<timestamp>.<body>", constant-time compare, fresh timestamps only. */
function verify(headers: IncomingHttpHeaders, body: string): boolean {
  const timestamp = String(headers['x-tidings-timestamp'] ?? '');
  const given = Buffer.from(String(headers['x-tidings-signature'] ?? ''));
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`);
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return fresh && given.length === expected.length && timingSafeEqual(given, expected);
}

describe('webhook channel', () => {
  let server: Server;
  let base: string;
  const received: Received[] = [];
  let answer: { status: number; headers?: Record<string, string>; delayMs?: number } = { status: 204 };

  before(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        received.push({ headers: request.headers, body, valid: verify(request.headers, body) });
        const reply = (): void => void response.writeHead(answer.status, answer.headers ?? {}).end();
        if (answer.delayMs) setTimeout(reply, answer.delayMs);
        else reply();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const channel = new WebhookChannel({ timeoutMs: 1_000, secretFor: () => SECRET });

  test('posts the notification as JSON, signed; the receiver verifies it', async () => {
    answer = { status: 204 };
    await channel.send(notificationJob(destination('webhook', `${base}/hook`), {}, 'job-w1'));
    const last = received.at(-1)!;
    assert.equal(last.valid, true);
    assert.equal(last.headers['x-tidings-delivery'], 'job-w1');
    assert.equal(last.headers['content-type'], 'application/json');
    const body = JSON.parse(last.body) as { type: string; notification: { summary: string; reasons: unknown[] } };
    assert.equal(body.type, 'notification');
    assert.equal(body.notification.summary, "koji's kernel-6.12.0-1.fc42 completed");
    assert.equal(body.notification.reasons.length, 1);
  });

  test("a tampered body fails the receiver's check", () => {
    const last = received.at(-1)!;
    assert.equal(verify(last.headers, last.body.replace('kernel', 'glibc')), false);
  });

  test('digests and confirmation codes have their own shapes', async () => {
    answer = { status: 200 };
    await channel.send(digestJob(destination('webhook', `${base}/hook`), 3));
    const digest = JSON.parse(received.at(-1)!.body) as { type: string; notifications: unknown[]; since: string };
    assert.equal(digest.type, 'digest');
    assert.equal(digest.notifications.length, 3);
    await channel.send(verificationJob(destination('webhook', `${base}/hook`), 'ABCD2345'));
    const verification = JSON.parse(received.at(-1)!.body) as { type: string; code: string };
    assert.deepEqual([verification.type, verification.code], ['verification', 'ABCD2345']);
  });

  test('429 and 5xx are retried (Retry-After honoured); 4xx and redirects are refusals', async () => {
    const to = destination('webhook', `${base}/hook`);
    answer = { status: 429, headers: { 'Retry-After': '120' } };
    await assert.rejects(channel.send(notificationJob(to)), (e: unknown) => e instanceof DeliveryError && !e.permanent && e.retryAfterMs === 120_000);
    answer = { status: 503 };
    await assert.rejects(channel.send(notificationJob(to)), (e: unknown) => e instanceof DeliveryError && !e.permanent);
    answer = { status: 410 };
    await assert.rejects(channel.send(notificationJob(to)), (e: unknown) => e instanceof DeliveryError && e.permanent && /410/.test(e.message));
    answer = { status: 302, headers: { Location: 'https://elsewhere.example.org/' } };
    await assert.rejects(channel.send(notificationJob(to)), (e: unknown) => e instanceof DeliveryError && e.permanent && /redirect to https:\/\/elsewhere/.test(e.message));
  });

  test('a receiver that does not answer in time, or is not there, is retried', async () => {
    answer = { status: 200, delayMs: 3_000 };
    await assert.rejects(channel.send(notificationJob(destination('webhook', `${base}/slow`))), (e: unknown) => e instanceof DeliveryError && !e.permanent && /no answer/.test(e.message));
    await assert.rejects(channel.send(notificationJob(destination('webhook', 'http://127.0.0.1:1/hook'))), (e: unknown) => e instanceof DeliveryError && !e.permanent);
  });

  test('Retry-After as seconds or as a date', () => {
    assert.equal(retryAfterMs('30'), 30_000);
    assert.equal(retryAfterMs(new Date(Date.UTC(2030, 0, 1, 0, 1)).toUTCString(), Date.UTC(2030, 0, 1)), 60_000);
    assert.equal(retryAfterMs('soon'), undefined);
    assert.equal(retryAfterMs(null), undefined);
  });
});
