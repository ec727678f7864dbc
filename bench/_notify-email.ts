/**
 * Publish-to-email latency for `npm run bench -- notify`: a real `tidings serve` (embedded bus,
 * SQLite) with people whose rules email them about their packages' builds, a real SMTP server
 * (smtp-server) receiving, and builds published at a steady rate through the SDK. Each email is
 * matched to its build by the build's release in the subject; latency runs from just before
 * `publish` to the end of the SMTP DATA. Baseline, in the same run against the same SMTP server:
 * nodemailer sending the same number of mails at the same rate straight from the bench (the SMTP
 * round trip alone, what delivery cannot go below).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { startServer } from '../src/cli/serve.js';
import { connect } from '../src/connect.js';
import { NotifyStore } from '../src/notify/index.js';
import { openDatabase } from '../src/store/index.js';
import { percentile } from './_report.js';

export interface EmailLatency {
  readonly samples: number[];
  readonly baseline: number[];
  readonly sent: number;
  readonly received: number;
}

interface Receiver {
  readonly url: string;
  /** Called with each mail's subject as it is fully received. */
  onMail: (subject: string, at: number) => void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver = { onMail: (_subject: string, _at: number) => undefined as void } as Receiver & { onMail: Receiver['onMail'] };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const at = performance.now();
        const head = Buffer.concat(chunks).toString('utf8').split(/\r?\n\r?\n/, 1)[0]!;
        const subject = /^Subject: (.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1] ?? '';
        receiver.onMail(subject.replace(/\r?\n[ \t]/g, ' '), at);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return Object.assign(receiver, { url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}

/** Calls `send(i)` `count` times at `rate` a second, without waiting for each to finish. */
async function paced(count: number, rate: number, send: (i: number) => void): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    send(i);
  }
}

function waitAll(what: string, done: () => boolean, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (done()) resolve();
      else if (performance.now() > deadline) reject(new Error(`${what}: not all arrived within ${ms / 1000} s`));
      else setTimeout(check, 20);
    };
    check();
  });
}

export async function emailLatency(rate: number, seconds: number, users: number): Promise<EmailLatency> {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-email-'));
  const receiver = await startReceiver();
  const config = loadConfig({
    env: {},
    overrides: { serve: { listen: '127.0.0.1:0', data_dir: join(dir, 'data') }, notify: { email: { smtp_url: receiver.url } } },
  });
  const server = await startServer(config, silentLogger());
  const database = await openDatabase({ dataDir: join(dir, 'data') });
  const bus = await connect(server.url);
  try {
    // Each user owns one package and wants an email about everything that concerns it.
    const store = new NotifyStore(database);
    for (let u = 0; u < users; u++) {
      const name = `user${u}`;
      await store.ensureUser(name);
      await store.setOwner(`pkg${u}`, name);
      const { destination, code } = await store.addDestination(name, { kind: 'email', address: `${name}@example.org` });
      await store.verifyDestination(name, destination.id, code);
      await store.createRule(name, { name: 'Builds of my packages', tracking: { myPackages: true }, filters: { includeApps: ['buildsys'] }, destinations: [destination.id] });
    }
    // The notifier reads the settings feed every second.
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    const count = rate * seconds;
    const publishedAt = new Map<string, number>();
    const samples: number[] = [];
    receiver.onMail = (subject, at) => {
      const release = /-(\d+)\.bench\b/.exec(subject)?.[1];
      const started = release === undefined ? undefined : publishedAt.get(release);
      if (started !== undefined) samples.push(at - started);
    };
    await paced(count, rate, (i) => {
      const pkg = `pkg${i % users}`;
      publishedAt.set(String(i), performance.now());
      void bus.publish({
        topic: 'org.fedoraproject.prod.buildsys.build.state.change',
        body: { build_id: i, name: pkg, version: '1.0', release: `${i}.bench`, owner: 'koji-builder', new: 1, old: 0, attribute: 'state', instance: 'primary', epoch: null, task_id: i },
      });
    });
    await waitAll('emails from tidings', () => samples.length >= count, 60_000);

    // Baseline: the same mails at the same rate, straight to the SMTP server.
    const transport = nodemailer.createTransport({ url: receiver.url, pool: true, maxConnections: 5 } as never);
    const baseline: number[] = [];
    const sentAt = new Map<string, number>();
    receiver.onMail = (subject, at) => {
      const n = /#(\d+)$/.exec(subject)?.[1];
      const started = n === undefined ? undefined : sentAt.get(n);
      if (started !== undefined) baseline.push(at - started);
    };
    await paced(count, rate, (i) => {
      sentAt.set(String(i), performance.now());
      void transport.sendMail({ from: 'bench@example.org', to: `user${i % users}@example.org`, subject: `[buildsys] baseline #${i}`, text: 'x' });
    });
    await waitAll('baseline emails', () => baseline.length >= count, 60_000);
    transport.close();
    return { samples: samples.sort((a, b) => a - b), baseline: baseline.sort((a, b) => a - b), sent: count, received: samples.length };
  } finally {
    await bus.close();
    await database.close();
    await server.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function latencyRow(what: string, samples: readonly number[]): Record<string, string | number> {
  const ms = (value: number): number => Math.round(value * 10) / 10;
  return { what, p50: ms(percentile(samples, 50)), p90: ms(percentile(samples, 90)), p99: ms(percentile(samples, 99)), max: ms(samples.at(-1) ?? 0), emails: samples.length };
}
