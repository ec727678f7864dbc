/**
 * Running a simulation into a sink: paced by its token bucket (checked by counting: N messages at R
 * a second cannot be done sooner than (N - burst) / R), a bounded number of sends awaiting
 * confirmation, and clean stops — count, duration, abort (in-flight sends still confirmed), failure.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation, Simulator, TokenBucket, type SimulatedMessage, type SimulationSink } from '../../src/simulate/index.js';

/** A sink whose sends wait until the test confirms them. */
class ManualSink implements SimulationSink {
  readonly pending: { message: SimulatedMessage; resolve: () => void; reject: (error: Error) => void }[] = [];
  maxInFlight = 0;
  private waiter: (() => void) | undefined;

  send(message: SimulatedMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ message, resolve, reject });
      this.maxInFlight = Math.max(this.maxInFlight, this.pending.length);
      this.waiter?.();
    });
  }

  /** Waits until `count` sends are waiting. */
  async waitForPending(count: number): Promise<void> {
    while (this.pending.length < count) await new Promise<void>((resolve) => (this.waiter = resolve));
  }

  confirmAll(): void {
    for (const send of this.pending.splice(0)) send.resolve();
  }
}

const simulator = (): Simulator => new Simulator({ seed: 11, warmUp: 0 });

describe('runSimulation', () => {
  test('a token bucket holds the rate: 60 messages at 200/s take at least (60 - burst) / 200 s', async () => {
    const bucket = new TokenBucket(200);
    assert.equal(bucket.capacity, 10);
    const started = performance.now();
    const summary = await runSimulation(simulator(), { send: () => undefined }, { rate: 200, count: 60 });
    const elapsed = performance.now() - started;
    assert.equal(summary.sent, 60);
    assert.equal(summary.stoppedBy, 'count');
    assert.ok(elapsed >= ((60 - bucket.capacity) / 200) * 1000, `60 messages in ${elapsed} ms`);
  });

  test('the bucket gives a token when one has accrued and says how long to wait otherwise', () => {
    const bucket = new TokenBucket(100, 2, 0);
    assert.equal(bucket.take(0), 0);
    assert.equal(bucket.take(0), 10, 'the next token in 10 ms');
    assert.equal(bucket.take(10), 0);
    assert.equal(bucket.take(1000), 0, 'a long pause gives at most the capacity');
    assert.equal(bucket.take(1000), 0);
    assert.ok(bucket.take(1000) > 0);
  });

  test('counts per app what the sink confirmed, and no more than `window` sends wait at once', async () => {
    const sink = new ManualSink();
    const running = runSimulation(simulator(), sink, { rate: 0, count: 50, window: 8 });
    for (let confirmed = 0; confirmed < 50; confirmed += 8) {
      await sink.waitForPending(Math.min(8, 50 - confirmed));
      sink.confirmAll();
    }
    const summary = await running;
    assert.equal(sink.maxInFlight, 8);
    assert.equal(summary.sent, 50);
    assert.equal(Object.values(summary.perApp).reduce((sum, count) => sum + count, 0), 50);
  });

  test('an abort stops making messages, and the sends in flight are still confirmed and counted', async () => {
    const sink = new ManualSink();
    const controller = new AbortController();
    const running = runSimulation(simulator(), sink, { rate: 0, window: 5, signal: controller.signal });
    await sink.waitForPending(5);
    controller.abort();
    sink.confirmAll();
    const summary = await running;
    assert.equal(summary.stoppedBy, 'signal');
    assert.equal(summary.sent, 5);
    assert.equal(summary.inFlight, 0);
  });

  test('the first failed send stops the run and is reported; the others in flight are awaited', async () => {
    const sink = new ManualSink();
    const running = runSimulation(simulator(), sink, { rate: 0, window: 4, count: 100 });
    await sink.waitForPending(4);
    const [first, ...rest] = sink.pending.splice(0);
    first!.reject(new Error('the broker went away'));
    for (const send of rest) send.resolve();
    const summary = await running;
    assert.equal(summary.stoppedBy, 'failure');
    assert.match((summary.error as Error).message, /broker went away/);
    assert.ok(summary.sent >= 3 && summary.sent < 100);
  });

  test('unpaced, a duration is simulated time: rate × duration messages', async () => {
    const summary = await runSimulation(simulator(), { send: () => undefined }, { rate: 50, paced: false, durationMs: 4000 });
    assert.equal(summary.sent, 200);
    assert.equal(summary.stoppedBy, 'count');
  });

  test('paced, a duration ends the run', async () => {
    const summary = await runSimulation(simulator(), { send: () => undefined }, { rate: 100, durationMs: 200 });
    assert.equal(summary.stoppedBy, 'duration');
    assert.ok(summary.sent > 0 && summary.sent <= 100 * 0.2 + 5 + 1, `${summary.sent} messages in 0.2 s at 100/s`);
  });

  test('progress is reported while it runs', async () => {
    const reports: number[] = [];
    await runSimulation(simulator(), { send: () => undefined }, { rate: 400, count: 80, progressEveryMs: 20, onProgress: (progress) => reports.push(progress.sent) });
    assert.ok(reports.length >= 2, `${reports.length} reports`);
    assert.deepEqual(reports, [...reports].sort((a, b) => a - b));
  });
});
