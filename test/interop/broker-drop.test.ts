/**
 * A broker that drops connections the hard way (a crash, a reset link: the socket just closes, no
 * connection.close) at the worst moments: while Tidings opens its first channel, and while it restores
 * its topology after a reconnect. Each case runs in a child process (drop-scenario.ts) through a proxy
 * that cuts the link on cue, so a transport that never settles fails its test instead of hanging the
 * suite. Found while running restart.test.ts: RabbitMQ crashed channel opens (rabbit_channel
 * init_tick_timer badmatch) and the test process never ended.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureRabbitMq } from '../helpers/rabbitmq.js';

const SCENARIO = fileURLToPath(new URL('./drop-scenario.ts', import.meta.url));

interface Outcome {
  readonly events: Array<{ event: string } & Record<string, unknown>>;
  /** False when the process was still running at the deadline and had to be killed. */
  readonly exitedBySelf: boolean;
  readonly exitCode: number | null;
  readonly stderr: string;
}

function runScenario(name: string, url: string, deadlineMs = 40_000): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCENARIO, name, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      const events = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Outcome['events'][number]);
      resolve({ events, exitedBySelf: !killed, exitCode, stderr });
    });
  });
}

function find(outcome: Outcome, event: string) {
  return outcome.events.find((entry) => entry.event === event);
}

function describeOutcome(outcome: Outcome): string {
  const ending = outcome.exitedBySelf ? `exited ${outcome.exitCode}` : 'was still running at its deadline and was killed';
  return `the scenario ${ending}; events: ${JSON.stringify(outcome.events)}; stderr: ${outcome.stderr.slice(-2000)}`;
}

describe('a broker that drops the connection abruptly', () => {
  let url: string;

  before(async () => {
    url = await ensureRabbitMq();
  });

  test('connect() fails with CONNECTION_FAILED, instead of hanging, when the link drops as Tidings opens its channels', { timeout: 60_000 }, async () => {
    const outcome = await runScenario('initial', url);
    assert.equal(find(outcome, 'uncaught'), undefined, `an exception escaped: ${describeOutcome(outcome)}`);
    const rejected = find(outcome, 'connect-rejected');
    assert.ok(rejected, `connect() never settled: ${describeOutcome(outcome)}`);
    assert.equal(rejected['code'], 'CONNECTION_FAILED');
    assert.ok(outcome.exitedBySelf && outcome.exitCode === 0, `nothing may keep the process alive: ${describeOutcome(outcome)}`);
  });

  test('a reconnect cut half-way through restoring queues is followed by one that restores them all, server-named queue included', { timeout: 60_000 }, async () => {
    const outcome = await runScenario('reconnect', url);
    assert.equal(find(outcome, 'uncaught'), undefined, `an exception escaped: ${describeOutcome(outcome)}`);
    assert.ok(find(outcome, 'proxy-dropped'), `the proxy never cut a restore: ${describeOutcome(outcome)}`);
    const received = find(outcome, 'received');
    assert.ok(received, `the consumer never got the message published after the cuts: ${describeOutcome(outcome)}`);
    assert.equal(received['id'], find(outcome, 'published')?.['id']);
    assert.ok(outcome.exitedBySelf && outcome.exitCode === 0, `nothing may keep the process alive: ${describeOutcome(outcome)}`);
  });

  test('while the broker stays away, a publish times out after the time it was given, says so, and close() returns', { timeout: 60_000 }, async () => {
    const outcome = await runScenario('timeout', url);
    assert.equal(find(outcome, 'uncaught'), undefined, `an exception escaped: ${describeOutcome(outcome)}`);
    assert.equal(find(outcome, 'publish-failed')?.['code'], 'PUBLISH_TIMEOUT', describeOutcome(outcome));
    const viaTransport = find(outcome, 'transport-publish-failed');
    assert.equal(viaTransport?.['code'], 'PUBLISH_TIMEOUT', describeOutcome(outcome));
    // The transport waited about 1.5 s; its error must not claim it timed out "after 0 s".
    const stated = /timed out after ([\d.]+) s/.exec(String(viaTransport['message']));
    assert.ok(stated, `no wait stated in: ${String(viaTransport['message'])}`);
    const seconds = Number(stated[1]);
    assert.ok(seconds >= 1 && seconds <= 2, `the error says "after ${stated[1]} s" for a wait of ${String(viaTransport['waitedMs'])} ms`);
    assert.ok(find(outcome, 'closed'), `close() did not return while the broker was away: ${describeOutcome(outcome)}`);
    assert.ok(outcome.exitedBySelf && outcome.exitCode === 0, `nothing may keep the process alive: ${describeOutcome(outcome)}`);
  });
});
