/**
 * `tidings simulate` end to end: against a real `tidings serve`, what it publishes reaches a `tidings
 * tail` and the archive, paced (checked by counting, never by a timing that a slow machine could
 * break); Ctrl-C stops it with a summary; `--print` is deterministic JSON Lines that `tidings schema
 * validate` accepts; bad flags are refused with exit 2.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../helpers/deliveries.js';
import { cleanup, killAll, makeTempDir, runTidings, spawnTidings, startConsuming, startServe, type Server } from '../helpers/processes.js';

const archived = async (server: Server): Promise<number> => {
  const answer = (await (await fetch(`${server.url}/raw?delta=86400&rows_per_page=1`)).json()) as { total: number };
  return answer.total;
};

describe('tidings simulate', { timeout: 120_000 }, () => {
  let server: Server;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    dir = makeTempDir('tidings-simulate-');
    server = await startServe(join(dir, 'data'));
    env = { TIDINGS_URL: server.url };
  });
  afterEach(() => killAll([server.proc]));
  after(cleanup);

  test('publishes --count messages at --rate onto the bus: a tail sees each, the archive keeps each, progress and a summary go to stderr', async () => {
    const tail = await startConsuming(['tail', 'org.fedoraproject.prod.#'], { env });
    const before = await archived(server);
    const started = performance.now();
    const result = await runTidings(['simulate', '--rate', '200', '--count', '300', '--seed', '7', '--progress', '0.5'], { env, timeoutMs: 60_000 });
    const elapsedMs = performance.now() - started;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '', 'nothing on stdout when publishing');
    // 300 messages at 200/s with a burst of at most 10 cannot take less than 1.45 s.
    assert.ok(elapsedMs >= ((300 - 10) / 200) * 1000, `300 messages in ${elapsedMs} ms`);
    const stderr = result.stderr.trim().split('\n');
    assert.match(stderr[0]!, /^tidings simulate: \d+ sent in \d+\.\d s, [\d.]+\/s \(last \d+\.\d s: [\d.]+\/s, target 200\/s\); buildsys \d+, bodhi \d+, git \d+, pkgdb \d+, fas \d+, mirrormanager \d+; \d+ in flight$/);
    const summary = stderr[stderr.length - 1]!;
    assert.match(summary, /^tidings simulate: done: 300 messages sent in \d+\.\d s, [\d.]+\/s; buildsys (\d+), bodhi (\d+), git (\d+), pkgdb (\d+), fas (\d+), mirrormanager (\d+); seed 7$/);
    const counts = /buildsys (\d+), bodhi (\d+), git (\d+), pkgdb (\d+), fas (\d+), mirrormanager (\d+)/.exec(summary)!.slice(1).map(Number);
    assert.equal(counts.reduce((sum, count) => sum + count, 0), 300);

    const lines = await tail.waitForLines(300, 20_000);
    assert.ok(lines.every((line) => /^\S+ \S+  org\.fedoraproject\.prod\.(buildsys|bodhi|git|pkgdb|fas|mirrormanager)\.\S+  \S/.test(line)), lines.find((line) => !/org\.fedoraproject\.prod\./.test(line)));
    assert.ok(lines.some((line) => /started building|pushed to rpms\//.test(line)), 'summaries are the schemas\' own');
    await eventually(async () => (await archived(server)) - before === 300, 'the archive holds the 300 messages', 20_000);
    const raw = (await (await fetch(`${server.url}/raw?delta=86400&category=buildsys&rows_per_page=100&meta=usernames&meta=packages`)).json()) as {
      raw_messages: { topic: string; meta: { usernames: string[]; packages: string[] } }[];
    };
    assert.ok(raw.raw_messages.length > 0);
    assert.ok(raw.raw_messages.some((message) => message.meta.packages.length > 0 && message.meta.usernames.length > 0));
  });

  test('Ctrl-C stops it cleanly: a summary of what was confirmed, exit 0, and all of it archived', async () => {
    const before = await archived(server);
    const simulate = spawnTidings(['simulate', '--rate', '100', '--progress', '0.2', '--apps', 'bodhi,koji'], { env });
    await simulate.waitForLine(/^tidings simulate: [1-9]\d* sent/, { stream: 'stderr', timeoutMs: 20_000 });
    simulate.kill('SIGINT');
    const exit = await simulate.waitForExit();
    assert.equal(exit.code, 0, simulate.stderr);
    const [, sent, apps] = /tidings simulate: stopped by SIGINT: (\d+) messages sent in .*; (buildsys \d+, bodhi \d+); seed \d+\n$/.exec(simulate.stderr) ?? [];
    assert.ok(sent, simulate.stderr);
    assert.doesNotMatch(apps!, /git|fas/, 'only the chosen apps are counted');
    await eventually(async () => (await archived(server)) - before === Number(sent), `the archive holds the ${sent} messages`, 20_000);
  });

  test('--print writes JSON Lines, the same for the same seed, that tidings schema validate accepts', async () => {
    const first = await runTidings(['simulate', '--print', '--count', '500', '--seed', '3']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.lines.length, 500);
    assert.match(first.stderr, /^tidings simulate: done: 500 messages written in .*; seed 3\n$/m);
    const again = await runTidings(['simulate', '--dry-run', '--count', '500', '--seed', '3', '--rate', '10']);
    assert.equal(again.stdout, first.stdout);
    const message = JSON.parse(first.lines[0]!) as { id: string; topic: string; headers: Record<string, unknown>; body: unknown };
    assert.deepEqual(Object.keys(message), ['topic', 'headers', 'id', 'body', 'queue']);
    assert.match(message.topic, /^org\.fedoraproject\.prod\./);
    assert.equal(message.headers['sent-at'], '2024-06-01T00:00:00+00:00');
    const file = join(dir, 'simulated.jsonl');
    writeFileSync(file, first.stdout);
    const validated = await runTidings(['schema', 'validate', file]);
    assert.equal(validated.code, 0, validated.stdout);
    assert.match(validated.stderr, /500 messages: 500 valid, 0 invalid/);
  });

  test('--print takes its prefix from the configuration or --topic-prefix, and --apps filters', async () => {
    const configured = await runTidings(['simulate', '--print', '--count', '50', '--apps', 'fas,mirrors'], { env: { TIDINGS_TOPIC_PREFIX: 'org.example.stg' } });
    assert.equal(configured.code, 0, configured.stderr);
    assert.ok(configured.lines.every((line) => /^\{"topic":"org\.example\.stg\.(fas|mirrormanager)\./.test(line)), configured.lines[0]);
    const flagged = await runTidings(['simulate', '--print', '--count', '5', '--topic-prefix', 'io.example.dev']);
    assert.ok(flagged.lines.every((line) => line.startsWith('{"topic":"io.example.dev.')));
  });

  test('bad flags are refused with exit 2 and say what to do', async () => {
    const unknown = await runTidings(['simulate', '--print', '--apps', 'buildsys,frobnicator']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown app "frobnicator": the apps are buildsys \(koji\), bodhi \(updates\), git \(dist-git, distgit\), pkgdb \(packages\), fas \(accounts, noggin\), mirrormanager \(mirrors\)/);
    assert.equal(unknown.stdout, '');
    const both = await runTidings(['simulate', '--print', '--count', '5', '--duration', '5']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give --count or --duration, not both/);
    const rate = await runTidings(['simulate', '--print', '--rate', 'fast']);
    assert.equal(rate.code, 2);
    assert.match(rate.stderr, /--rate must be a number ≥ 0, got "fast"/);
  });
});
