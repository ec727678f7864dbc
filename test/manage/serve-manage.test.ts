/**
 * The operators' view end to end, through a real `tidings serve` and its API, on the embedded broker
 * and on the real RabbitMQ: the same questions answered the same way. A stopped consumer raises the
 * no-progress alert (and the event on the bus); a poison message is dead-lettered, read, retried to
 * where it came from after the fix, and consumed with its retry count; purge and move do what they
 * say and are audited and announced; a caller without the role is refused (and that is audited too);
 * /metrics parses as Prometheus text; `tidings status` shows it all in a terminal.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { connect } from '../../src/connect.js';
import { Drop, type Bus, type ReceivedMessage } from '../../src/bus/index.js';
import { IdentityStore, openDatabase } from '../../src/store/index.js';
import type { RunningServer } from '../../src/cli/serve.js';
import type { ConfigOverrides } from '../../src/config/index.js';
import type { DecodedDeadLetter, StatusReport, AuditRecord, Alert } from '../../src/manage/index.js';
import { startTestServer } from '../helpers/server.js';
import { amqpUrl, ensureRabbitMq } from '../helpers/rabbitmq.js';
import { runTidings } from '../helpers/processes.js';
import { parsePrometheusText } from './prometheus-text.js';

interface Backend {
  readonly name: string;
  /** How long the broker's statistics may lag (RabbitMQ's management plugin refreshes every ~5 s). */
  readonly settleMs: number;
  overrides(): Promise<ConfigOverrides>;
  /** The bus URL clients of this backend connect with. */
  busUrl(server: RunningServer): Promise<string>;
}

const BACKENDS: readonly Backend[] = [
  { name: 'embedded broker', settleMs: 10_000, overrides: async () => ({}), busUrl: async (server) => server.url },
  { name: 'RabbitMQ', settleMs: 40_000, overrides: async () => ({ url: await ensureRabbitMq() }), busUrl: async () => amqpUrl() },
];

/** Polls `probe` every 250 ms until it returns a value, or fails saying what never happened. */
async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

for (const backend of BACKENDS) {
  describe(`the operators' view on the ${backend.name}`, () => {
    const run = randomUUID().slice(0, 8);
    const work = `manage-work-${run}`;
    const stuck = `manage-stuck-${run}`;
    const parked = `manage-parked-${run}`;
    const elsewhere = `manage-elsewhere-${run}`;
    const topicOf = (queue: string): string => `test.manage.${run}.${queue.split('-')[1]}`;
    let dataDir: string;
    let server: RunningServer;
    let busUrl: string;
    let operatorToken: string;
    let readerToken: string;
    let adminToken: string;
    /** Lets the stuck consumer's handler return, so that its bus can close. */
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const buses: Bus[] = [];
    const events: ReceivedMessage[] = [];

    const api = async (method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown>; text: string }> => {
      const headers: Record<string, string> = {};
      if (token) headers['authorization'] = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${server.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const text = await response.text();
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // /metrics and exports are not JSON
      }
      return { status: response.status, json, text };
    };
    const status = async (): Promise<StatusReport> => (await api('GET', '/api/v1/manage/status')).json as unknown as StatusReport;
    const queueOf = async (name: string) => (await status()).queues.find((queue) => queue.name === name);
    const client = async (name: string): Promise<Bus> => {
      const bus = await connect(busUrl, { name });
      buses.push(bus);
      return bus;
    };

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'tidings-manage-'));
      const database = await openDatabase({ url: null, dataDir });
      const identities = new IdentityStore(database);
      operatorToken = (await identities.create(`ops-${run}`, { topics: ['test.#'], publicKey: null, ratePerMinute: null })).token;
      readerToken = (await identities.create(`viewer-${run}`, { topics: ['test.#'], publicKey: null, ratePerMinute: null })).token;
      adminToken = (await identities.create(`root-${run}`, { topics: ['test.#'], publicKey: null, ratePerMinute: null })).token;
      await database.close();
      server = await startTestServer(dataDir, {
        ...(await backend.overrides()),
        archive: { enabled: false },
        notify: { enabled: false },
        manage: {
          interval: 1,
          object_events: true,
          operators: [`ops-${run}`],
          admins: [`root-${run}`],
          defaults: { no_progress_minutes: 0.1, no_consumer_seconds: 2, sustain_seconds: 1, max_dead_letters: 0 },
        },
      });
      busUrl = await backend.busUrl(server);
      const watcher = await client(`manage-events-${run}`);
      await watcher.consume({ queue: '', bindings: ['tidings.manage.#', '*.*.*.tidings.manage.#'] }, (message) => void events.push(message));
    });

    after(async () => {
      release();
      for (const bus of buses.splice(0)) await bus.close().catch(() => undefined);
      if (server) {
        // Leave nothing behind on the shared broker.
        for (const queue of [work, stuck, parked, elsewhere]) {
          for (const name of [queue, `${queue}-p`]) await api('DELETE', `/api/v1/manage/queues/${name}?if_empty=false`, adminToken).catch(() => undefined);
        }
        await server.close();
      }
      rmSync(dataDir, { recursive: true, force: true });
    });

    test('a connection names its service, host and process; its queue shows its owner', async () => {
      const bus = await client(`billing-${run}`);
      await bus.consume({ queue: work, bindings: [topicOf(work)] }, () => undefined);
      const row = await until(async () => (await queueOf(work))?.consumers === 1 && (await queueOf(work)), `${work} shows its consumer`, backend.settleMs);
      assert.equal(row.owner, `billing-${run}`);
      const report = await status();
      const connection = report.connections.find((c) => c.service === `billing-${run}`);
      assert.ok(connection, `the connections list names billing-${run}: ${JSON.stringify(report.connections.map((c) => c.service))}`);
      assert.equal(connection.pid, process.pid);
      assert.ok(connection.host);
      assert.ok(connection.library);
      // Objects' coming and going are announced (object_events = true here).
      await until(
        async () => events.find((e) => e.topic.endsWith('tidings.manage.consumer.subscribe') && e.body['queue'] === work && e.body['service'] === `billing-${run}`),
        'the new consumer is announced',
        backend.settleMs,
      );
      await until(async () => events.find((e) => e.topic.endsWith('tidings.manage.queue.declare') && e.body['queue'] === work), 'the new queue is announced', backend.settleMs);
    });

    test('a client turned away by the hub is announced as a failed connect', async () => {
      const bogus = `tdg.${'x'.repeat(20)}.${'y'.repeat(40)}`;
      await assert.rejects(connect(server.url, { name: `intruder-${run}`, token: bogus }));
      const refused = await until(async () => events.find((e) => e.topic.endsWith('tidings.manage.connection.refused')), 'the refused connect is published', 10_000);
      assert.match(String(refused.body['reason']), /token is not valid/);
      assert.match(String(refused.body['peer']), /127\.0\.0\.1/);
    });

    test('a consumer that stops making progress raises no-progress, announced on the bus', async () => {
      const bus = await client(`stuck-worker-${run}`);
      // A handler that never returns: the consumer holds one message and takes no more.
      await bus.consume({ queue: stuck, bindings: [topicOf(stuck)], prefetch: 1 }, () => released);
      const publisher = await client(`publisher-${run}`);
      for (let i = 0; i < 5; i++) await publisher.publish({ topic: topicOf(stuck), body: { n: i } });
      const alert = await until(
        async () => ((await api('GET', '/api/v1/manage/alerts')).json['alerts'] as Alert[]).find((a) => a.kind === 'no-progress' && a.subject === stuck),
        `no-progress is raised for ${stuck}`,
        backend.settleMs + 20_000,
      );
      assert.equal(alert.severity, 'critical');
      assert.match(alert.message, new RegExp(stuck.replace(/[.-]/g, '\\$&')));
      const row = (await status()).queues.find((q) => q.name === stuck)!;
      assert.equal(row.health, 'critical');
      assert.ok(row.alerts.includes('no-progress'));
      await until(async () => events.find((e) => e.topic.endsWith('tidings.manage.alert.raise') && e.body['subject'] === stuck), 'the raised alert is published', 10_000);
    });

    test('a poison message is dead-lettered, read with its reason, retried after the fix and consumed', async () => {
      let fixed = false;
      const consumed: ReceivedMessage[] = [];
      const bus = await client(`poison-worker-${run}`);
      await bus.consume({ queue: work + '-p', bindings: [topicOf(work) + '.poison'] }, (message) => {
        if (!fixed) throw new Drop('cannot parse the build id: bad input (test poison)');
        consumed.push(message);
      });
      const publisher = await client(`poison-publisher-${run}`);
      const sent = await publisher.publish({ topic: topicOf(work) + '.poison', body: { build: 'not-a-number' } });

      // Reading needs the operator role.
      const refusedPeek = await api('GET', `/api/v1/manage/queues/${work}-p/dead-letters`);
      assert.equal(refusedPeek.status, 403, refusedPeek.text);
      const letters = await until(async () => {
        const peek = await api('GET', `/api/v1/manage/queues/${work}-p/dead-letters`, operatorToken);
        const list = peek.json['deadLetters'] as DecodedDeadLetter[] | undefined;
        return list?.find((l) => l.id === sent.id) ? list : undefined;
      }, 'the poison message is in the dead letters', backend.settleMs);
      const letter = letters.find((l) => l.id === sent.id)!;
      assert.match(letter.reason ?? '', /cannot parse the build id/);
      assert.equal(letter.originQueue, `${work}-p`);
      assert.equal(letter.originRoutingKey, sent.topic);
      assert.equal(letter.retries, 0);
      assert.deepEqual(letter.decodedBody, { build: 'not-a-number' });
      // Peeking leaves it there.
      const again = (await api('GET', `/api/v1/manage/queues/${work}-p/dead-letters`, operatorToken)).json['deadLetters'] as DecodedDeadLetter[];
      assert.ok(again.some((l) => l.id === sent.id), 'peek does not take the message');

      // Someone without the role cannot retry: refused, and the refusal is audited.
      const refused = await api('POST', `/api/v1/manage/queues/${work}-p/dead-letters/retry`, readerToken, { all: true });
      assert.equal(refused.status, 403);
      assert.match(String(refused.json['error']), /operator/);

      fixed = true;
      const retried = await api('POST', `/api/v1/manage/queues/${work}-p/dead-letters/retry`, operatorToken, { ids: [sent.id, 'no-such-id'] });
      assert.equal(retried.status, 200, retried.text);
      assert.equal(retried.json['affected'], 1);
      assert.deepEqual(retried.json['missing'], ['no-such-id']);
      const back = await until(async () => consumed.find((m) => m.id === sent.id), 'the retried message is consumed', 20_000);
      assert.equal(back.headers['x-tidings-retries'], 1, 'a retried message carries its retry count');
      await until(async () => ((await api('GET', `/api/v1/manage/queues/${work}-p/dead-letters`, operatorToken)).json['deadLetters'] as DecodedDeadLetter[]).length === 0, 'the dead letters are empty', 20_000);

      const records = (await api('GET', '/api/v1/manage/audit')).json['records'] as AuditRecord[];
      assert.ok(records.some((r) => r.action === 'dead-letters.retry' && r.outcome === 'refused' && r.actor === `viewer-${run}`), 'the refused retry is audited');
      assert.ok(records.some((r) => r.action === 'dead-letters.retry' && r.outcome === 'done' && r.actor === `ops-${run}` && r.affected === 1), 'the retry is audited');
      await until(async () => events.find((e) => e.topic.endsWith('tidings.manage.action.done') && e.body['action'] === 'dead-letters.retry'), 'the retry is announced on the bus', 10_000);
      await until(async () => events.find((e) => e.topic.endsWith('tidings.manage.action.refused') && e.body['actor'] === `viewer-${run}`), 'the refusal is announced', 10_000);
    });

    test('purge and move do what they say, and are audited', async () => {
      const bus = await client(`parker-${run}`);
      // Declared with their bindings, then left without consumers.
      const parking = await bus.consume({ queue: parked, bindings: [topicOf(parked)] }, () => undefined);
      await parking.stop();
      const other = await bus.consume({ queue: elsewhere, bindings: [`${topicOf(elsewhere)}.none`] }, () => undefined);
      await other.stop();
      for (let i = 0; i < 6; i++) await bus.publish({ topic: topicOf(parked), body: { n: i } });
      await until(async () => (await queueOf(parked))?.ready === 6, `${parked} holds 6`, backend.settleMs);

      const purged = await api('POST', `/api/v1/manage/queues/${parked}/purge`, operatorToken, { count: 2 });
      assert.equal(purged.status, 200, purged.text);
      assert.equal(purged.json['affected'], 2);
      const moved = await api('POST', `/api/v1/manage/queues/${parked}/move`, operatorToken, { to: elsewhere, all: true });
      assert.equal(moved.status, 200, moved.text);
      assert.equal(moved.json['affected'], 4);
      await until(async () => (await queueOf(parked))?.ready === 0 && (await queueOf(elsewhere))?.ready === 4, `${parked} is empty and ${elsewhere} holds 4`, backend.settleMs);

      const notEmpty = await api('DELETE', `/api/v1/manage/queues/${elsewhere}`, operatorToken);
      assert.equal(notEmpty.status, 403, 'deleting a queue needs the admin role');
      const badSelection = await api('POST', `/api/v1/manage/queues/${parked}/purge`, operatorToken, { count: 1, all: true });
      assert.equal(badSelection.status, 400);

      const records = (await api('GET', '/api/v1/manage/audit')).json['records'] as AuditRecord[];
      const purge = records.find((r) => r.action === 'purge' && r.target === parked);
      assert.ok(purge && purge.outcome === 'done' && purge.affected === 2 && purge.actor === `ops-${run}`);
      const move = records.find((r) => r.action === 'move' && r.target === parked);
      assert.ok(move && move.outcome === 'done' && move.affected === 4 && move.detail['to'] === elsewhere);
      assert.ok(records.some((r) => r.action === 'queue.delete' && r.outcome === 'refused'), 'the refused delete is audited');
    });

    test('/metrics parses as Prometheus text with bounded queue series', async () => {
      const answer = await api('GET', '/metrics');
      assert.equal(answer.status, 200);
      const families = parsePrometheusText(answer.text);
      const ready = families.get('tidings_queue_ready');
      assert.ok(ready, `tidings_queue_ready is exported (have: ${[...families.keys()].join(', ')})`);
      assert.ok(ready.samples.some((s) => s.labels['queue'] === elsewhere && s.value === 4), 'the moved messages show');
    });

    test('tidings status shows the stuck queue first, with what to do; --json is the API', async () => {
      const env = { TIDINGS_SERVE_URL: server.url, TIDINGS_URL: server.url };
      const exit = await runTidings(['status'], { env, timeoutMs: 30_000 });
      assert.equal(exit.code, 0, exit.stderr);
      const lines = exit.stdout.split('\n');
      assert.match(lines[0]!, /^CRITICAL/);
      const queueHeader = lines.findIndex((line) => line.startsWith('QUEUE'));
      assert.ok(queueHeader > 0, exit.stdout);
      assert.ok(lines[queueHeader + 1]!.startsWith(stuck), `the stuck queue is first:\n${exit.stdout}`);
      assert.ok(lines.some((line) => line.includes('no-progress')), exit.stdout);
      assert.ok(lines.some((line) => line.includes(`billing-${run}`)), 'connections name their service');

      const jsonExit = await runTidings(['status', '--json'], { env, timeoutMs: 30_000 });
      assert.equal(jsonExit.code, 0, jsonExit.stderr);
      const report = JSON.parse(jsonExit.stdout) as StatusReport;
      assert.equal(report.summary.health, 'critical');
      assert.ok(report.queues.some((q) => q.name === elsewhere && q.ready === 4));
    });

    test('tidings check answers as a Nagios plugin; the CLI actions need an operator token', async () => {
      const env = { TIDINGS_SERVE_URL: server.url, TIDINGS_URL: server.url };
      const depth = await runTidings(['check', 'queue', elsewhere, '--warning', '1', '--critical', '3'], { env, timeoutMs: 30_000 });
      assert.equal(depth.code, 2, depth.stdout + depth.stderr);
      assert.match(depth.stdout, /^TIDINGS QUEUE CRITICAL - .*\| 'ready'=4;1;3;0 /);
      const unknown = await runTidings(['check', 'queue', `no-such-queue-${run}`], { env, timeoutMs: 30_000 });
      assert.equal(unknown.code, 3);
      assert.match(unknown.stdout, /^TIDINGS QUEUE UNKNOWN - /);
      const alerts = await runTidings(['check', 'alerts', stuck], { env, timeoutMs: 30_000 });
      assert.equal(alerts.code, 2, alerts.stdout);
      const unreachable = await runTidings(['check', 'alarms', '--serve-url', 'http://127.0.0.1:1'], { env, timeoutMs: 30_000 });
      assert.equal(unreachable.code, 3, 'a check that cannot look says UNKNOWN, not OK');

      const refused = await runTidings(['dead-letters', 'peek', elsewhere], { env, timeoutMs: 30_000 });
      assert.equal(refused.code, 15, refused.stderr);
      assert.match(refused.stderr, /operator/);
      const purged = await runTidings(['queue', 'purge', elsewhere, '--count', '1'], { env: { ...env, TIDINGS_TOKEN: operatorToken }, timeoutMs: 30_000 });
      assert.equal(purged.code, 0, purged.stderr);
      assert.match(purged.stdout, /^purged 1 message/);
      const audit = await runTidings(['audit', '--json', '--limit', '1'], { env, timeoutMs: 30_000 });
      const newest = JSON.parse(audit.stdout.trim()) as AuditRecord;
      assert.equal(newest.action, 'purge');
      assert.equal(newest.actor, `ops-${run}`);
    });
  });
}
