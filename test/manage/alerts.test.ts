import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AlertEvaluator,
  alertThresholds,
  thresholdsForQueue,
  type AlertThresholdsInit,
  type AlertTransition,
} from '../../src/manage/alerts/index.js';
import type { BusSnapshot, QueueView } from '../../src/manage/model.js';
import { MINUTE, T0, node, queue, snapshot, totals } from './snapshot-builder.js';

const SECOND = 1000;

/** Feeds the snapshots in order and returns every transition, as `raised no-consumer q @ 5 min`. */
function run(evaluator: AlertEvaluator, snapshots: readonly BusSnapshot[]): AlertTransition[] {
  return snapshots.flatMap((s) => evaluator.observe(s));
}

function summary(transitions: readonly AlertTransition[]): string[] {
  return transitions.map((t) => `${t.type} ${t.alert.kind} ${t.alert.subject} @ ${(t.at - T0) / MINUTE} min`);
}

/** One queue sampled every minute; `shape(i)` gives its figures at minute i. */
function minutes(count: number, shape: (i: number) => Partial<QueueView>, name = 'tidings.archive'): BusSnapshot[] {
  return Array.from({ length: count }, (_, i) => snapshot(T0 + i * MINUTE, { queues: [queue(name, shape(i))] }));
}

function evaluator(init: AlertThresholdsInit = {}): AlertEvaluator {
  return new AlertEvaluator(init);
}

describe('alert thresholds', () => {
  test('apply the defaults, then each matching entry in declared order, field by field', () => {
    const thresholds = alertThresholds({
      defaults: { noConsumerSeconds: 120, maxReady: undefined },
      queues: [
        { queue: 'tidings.*', maxReady: 500, sustainSeconds: 30 },
        { queue: 'tidings.archive', maxReady: 10_000 },
        { queue: 'mirror.#', growingMinutes: 60 },
      ],
    });
    assert.deepEqual(
      { ...thresholdsForQueue(thresholds, 'tidings.archive') },
      { ...thresholds.defaults, noConsumerSeconds: 120, maxReady: 10_000, sustainSeconds: 30 },
    );
    assert.equal(thresholdsForQueue(thresholds, 'tidings.notifier').maxReady, 500);
    assert.equal(thresholdsForQueue(thresholds, 'tidings.a.b').maxReady, null, '`*` is one word');
    assert.equal(thresholdsForQueue(thresholds, 'mirror.tier1.europe').growingMinutes, 60);
    assert.equal(thresholds.defaults.growingMinutes, 15);
    assert.equal(thresholds.node.sustainSeconds, thresholds.defaults.sustainSeconds);
  });
});

describe('no-consumer', () => {
  test('raises once messages have waited with no consumer for noConsumerSeconds, and clears when one attaches', () => {
    const snaps = minutes(10, (i) => ({ ready: 40, consumers: i >= 1 && i < 8 ? 0 : 1 }));
    const transitions = run(evaluator({ defaults: { noConsumerSeconds: 300 } }), snaps);
    assert.deepEqual(summary(transitions), ['raised no-consumer tidings.archive @ 6 min', 'cleared no-consumer tidings.archive @ 8 min']);
    const raised = transitions[0]?.alert;
    assert.equal(raised?.severity, 'warning');
    assert.equal(raised?.value, 300);
    assert.equal(raised?.threshold, 300);
    assert.equal(raised?.unit, 'seconds');
    assert.equal(raised?.breachSince, T0 + MINUTE);
    assert.match(raised?.message ?? '', /queue "tidings\.archive" has 40 messages waiting and no consumer for 5 min \(threshold 5 min\): start the service/);
    assert.match(transitions[1]?.alert.message ?? '', /has a consumer again/);
  });

  test('does not raise for a consumer that reconnects between samples, nor for an empty queue', () => {
    const snaps = minutes(30, (i) => ({ ready: i % 5 === 0 ? 0 : 7, consumers: i % 3 === 0 ? 0 : 1 }));
    assert.deepEqual(run(evaluator({ defaults: { noConsumerSeconds: 120 } }), snaps), []);
  });

  test('leaves dead-letter queues alone: nobody consumes them by design', () => {
    const snaps = minutes(20, () => ({ ready: 3, consumers: 0, isDeadLetterQueue: true }), 'tidings.archive.dlq');
    const kinds = run(evaluator({ defaults: { maxDeadLetters: 10 } }), snaps).map((t) => t.alert.kind);
    assert.deepEqual(kinds, []);
  });
});

describe('no-progress', () => {
  test('raises when consumers hold messages and the counters stand still, clears when they move', () => {
    const stuckFrom = 3;
    const snaps = minutes(20, (i) => ({
      ready: 200,
      unacked: 10,
      consumers: 1,
      totals: totals({ delivered: Math.min(i, stuckFrom) * 50, acked: Math.min(i, stuckFrom) * 50 + (i >= 17 ? 5 : 0) }),
    }));
    const transitions = run(evaluator({ defaults: { noProgressMinutes: 10 } }), snaps);
    assert.deepEqual(summary(transitions), ['raised no-progress tidings.archive @ 13 min', 'cleared no-progress tidings.archive @ 17 min']);
    assert.equal(transitions[0]?.alert.severity, 'critical');
    assert.match(transitions[0]?.alert.message ?? '', /1 consumer and 210 messages waiting, but nothing was delivered or acknowledged for 10 min/);
  });

  test('raises for a consumer that reconnected and then sat idle, judged by the broker activity clock', () => {
    // Busy until minute 4, consumer gone at minute 5 (reconnect), back at 6 and never delivers again.
    const snaps = minutes(25, (i) => ({
      ready: 100,
      consumers: i === 5 ? 0 : 1,
      lastActivityAt: T0 + Math.min(i, 4) * MINUTE,
    }));
    const transitions = run(evaluator({ defaults: { noProgressMinutes: 10, noConsumerSeconds: 600 } }), snaps);
    assert.deepEqual(summary(transitions), ['raised no-progress tidings.archive @ 16 min']);
  });

  test('does not blame a consumer that just attached for the quiet before it came', () => {
    const snaps = minutes(8, (i) => ({ ready: 100, consumers: i < 2 ? 0 : 1, lastActivityAt: T0 - 120 * MINUTE }));
    assert.deepEqual(run(evaluator({ defaults: { noProgressMinutes: 10, noConsumerSeconds: 3600 } }), snaps), []);
  });

  test('gives no reading when the broker can tell nothing of progress', () => {
    const snaps = minutes(30, () => ({ ready: 100, consumers: 1 }));
    assert.deepEqual(run(evaluator({ defaults: { noProgressMinutes: 5 } }), snaps), []);
  });
});

describe('redelivery-loop', () => {
  const rates = (redeliver: number) => ({ publish: 0, deliver: redeliver, ack: 0, redeliver });

  test('raises after the sustain when redeliveries run high with a flat depth, and holds inside the margin', () => {
    // 0–1 quiet, 2–6 looping at 5/s, 7–9 at 0.95/s (under 1/s, above the 0.9/s clear level), 10 at 0.5/s.
    const perMinute = [0, 0, 5, 5, 5, 5, 5, 0.95, 0.95, 0.95, 0.5];
    const snaps = minutes(perMinute.length, (i) => ({ ready: 30, rates: rates(perMinute[i] ?? 0) }));
    const transitions = run(evaluator({ defaults: { redeliveryLoop: 1, sustainSeconds: 180, clearMargin: 0.1 } }), snaps);
    assert.deepEqual(summary(transitions), ['raised redelivery-loop tidings.archive @ 5 min', 'cleared redelivery-loop tidings.archive @ 10 min']);
    assert.equal(transitions[0]?.alert.value, 5);
    assert.equal(transitions[0]?.alert.unit, 'per-second');
  });

  test('does not raise while the depth falls: that is retrying through, not looping', () => {
    const snaps = minutes(10, (i) => ({ ready: 1000 - i * 50, rates: rates(5) }));
    assert.deepEqual(run(evaluator({ defaults: { sustainSeconds: 60 } }), snaps), []);
  });

  test('works from the counters when the broker gives no rate', () => {
    const snaps = minutes(6, (i) => ({ ready: 30, totals: totals({ delivered: i * 600, redelivered: i * 600 }) }));
    const transitions = run(evaluator({ defaults: { redeliveryLoop: 5, sustainSeconds: 120, noProgressMinutes: 60 } }), snaps);
    assert.deepEqual(summary(transitions), ['raised redelivery-loop tidings.archive @ 3 min']);
    assert.equal(transitions[0]?.alert.value, 10);
  });
});

describe('ack-timeout', () => {
  test('raises when the oldest unacked message nears the broker timeout, clears below the margin', () => {
    const ageMinutes = [5, 25, 25, 25, 25, 23, 23, 10];
    const snaps = minutes(ageMinutes.length, (i) => ({
      unacked: 1,
      oldestAgeMs: (ageMinutes[i] ?? 0) * MINUTE,
      ackTimeoutMs: 30 * MINUTE,
      rates: { publish: 0, deliver: 1, ack: 1, redeliver: 0 },
    }));
    const transitions = run(evaluator({ defaults: { ackTimeoutShare: 0.8, sustainSeconds: 120, clearMargin: 0.1 } }), snaps);
    // 23/30 = 0.77: under 0.8, above the 0.72 clear level, so it holds.
    assert.deepEqual(summary(transitions), ['raised ack-timeout tidings.archive @ 3 min', 'cleared ack-timeout tidings.archive @ 7 min']);
    assert.equal(transitions[0]?.alert.severity, 'critical');
    assert.match(transitions[0]?.alert.message ?? '', /oldest unacknowledged message is 25 min old, 83% of the broker's acknowledgement timeout of 30 min/);
  });

  test('ignores an old ready message when nothing is unacknowledged', () => {
    const snaps = minutes(10, () => ({ ready: 1, unacked: 0, oldestAgeMs: 29 * MINUTE, ackTimeoutMs: 30 * MINUTE }));
    assert.deepEqual(run(evaluator({ defaults: { sustainSeconds: 0 } }), snaps).map((t) => t.alert.kind), []);
  });
});

describe('growing', () => {
  test('raises when the depth has not fallen and has grown across the whole window', () => {
    const snaps = minutes(20, (i) => ({ ready: 10 + i * 20 }));
    const transitions = run(evaluator({ defaults: { growingMinutes: 15 } }), snaps);
    assert.deepEqual(summary(transitions), ['raised growing tidings.archive @ 15 min']);
    assert.match(transitions[0]?.alert.message ?? '', /grown for 15 min, from 10 to 310 messages/);
  });

  test('flat samples inside the window do not end it, a fall does', () => {
    const depth = [10, 20, 20, 30, 30, 40, 50, 50, 60, 70, 70, 80, 90, 90, 100, 110, 120, 115, 130];
    const snaps = minutes(depth.length, (i) => ({ ready: depth[i] ?? 0 }));
    assert.deepEqual(summary(run(evaluator({ defaults: { growingMinutes: 15 } }), snaps)), [
      'raised growing tidings.archive @ 15 min',
      'cleared growing tidings.archive @ 17 min',
    ]);
  });

  test('a sawtooth never raises', () => {
    const snaps = minutes(60, (i) => ({ ready: (i % 10) * 100 }));
    assert.deepEqual(run(evaluator({ defaults: { growingMinutes: 15 } }), snaps), []);
  });
});

describe('depth', () => {
  test('does not flap when the depth alternates around the threshold', () => {
    const snaps = minutes(30, (i) => ({ ready: i % 2 === 0 ? 150 : 50 }));
    assert.deepEqual(run(evaluator({ defaults: { maxReady: 100, sustainSeconds: 60 } }), snaps), []);
  });

  test('raises after the sustain, holds just under the threshold, clears below the margin', () => {
    const ready = [150, 150, 150, 95, 120, 95, 91, 90];
    const snaps = minutes(ready.length, (i) => ({ ready: ready[i] ?? 0 }));
    const transitions = run(evaluator({ queues: [{ queue: 'tidings.*', maxReady: 100, sustainSeconds: 120, clearMargin: 0.1 }] }), snaps);
    assert.deepEqual(summary(transitions), ['raised depth tidings.archive @ 2 min', 'cleared depth tidings.archive @ 7 min']);
    assert.equal(transitions[1]?.alert.value, 90);
  });

  test('keeps the active alert figures current', () => {
    const e = evaluator({ defaults: { maxReady: 100, sustainSeconds: 0 } });
    run(e, minutes(3, (i) => ({ ready: 200 + i })));
    const [alert] = e.active();
    assert.equal(alert?.kind, 'depth');
    assert.equal(alert?.value, 202);
    assert.equal(alert?.raisedAt, T0);
  });
});

describe('dead-letters', () => {
  test('any dead letter is worth an alert by default, after the sustain', () => {
    const snaps = minutes(6, (i) => ({ deadLetterQueue: 'tidings.archive.dlq', deadLetterDepth: i >= 1 && i < 4 ? 2 : 0 }));
    const transitions = run(evaluator({ defaults: { sustainSeconds: 60 } }), snaps);
    assert.deepEqual(summary(transitions), ['raised dead-letters tidings.archive @ 2 min', 'cleared dead-letters tidings.archive @ 4 min']);
    assert.match(transitions[0]?.alert.message ?? '', /2 dead letters in "tidings\.archive\.dlq" \(threshold 0\): peek at them/);
  });

  test('a dead-letter queue shared by several queues alerts once, as itself', () => {
    const shared = 'tidings.dead-letters';
    const snaps = [0, 1, 2].map((i) =>
      snapshot(T0 + i * MINUTE, {
        queues: [
          queue('a', { deadLetterQueue: shared, deadLetterDepth: 4 }),
          queue('b', { deadLetterQueue: shared, deadLetterDepth: 4 }),
          queue(shared, { ready: 4, consumers: 0, isDeadLetterQueue: true }),
        ],
      }),
    );
    assert.deepEqual(summary(run(evaluator({ defaults: { sustainSeconds: 60 } }), snaps)), ['raised dead-letters tidings.dead-letters @ 1 min']);
  });
});

describe('publisher-quiet', () => {
  const families = [{ prefix: 'buildsys', quietMinutes: 30 }];

  test('waits until the evaluator has listened for the whole window before calling a family quiet', () => {
    const e = evaluator({ families });
    const transitions = run(e, minutes(40, () => ({})));
    assert.deepEqual(summary(transitions), ['raised publisher-quiet buildsys @ 30 min']);
    assert.match(transitions[0]?.alert.message ?? '', /no "buildsys" message at all in 30 min \(threshold 30 min\)/);
  });

  test('a topic of the family clears it; a topic that only shares letters does not count', () => {
    const e = evaluator({ families });
    const transitions: AlertTransition[] = [];
    for (const [i, s] of minutes(45, () => ({})).entries()) {
      if (i === 5) e.observeTopic('buildsys.build.state.change', s.takenAt);
      if (i === 38) e.observeTopic('buildsystem.other', s.takenAt);
      if (i === 40) e.observeTopic('buildsys', s.takenAt);
      transitions.push(...e.observe(s));
    }
    assert.deepEqual(summary(transitions), ['raised publisher-quiet buildsys @ 35 min', 'cleared publisher-quiet buildsys @ 40 min']);
    assert.equal(transitions[0]?.alert.subjectType, 'family');
  });
});

describe('node alarms', () => {
  test('memory and disk alarms raise after the node sustain and clear when the broker lifts them', () => {
    const alarms = [false, true, true, true, false, false];
    const snaps = alarms.map((on, i) => snapshot(T0 + i * MINUTE, { node: node({ memoryAlarm: on, diskAlarm: i === 2 }) }));
    const transitions = run(evaluator({ node: { sustainSeconds: 60 } }), snaps);
    assert.deepEqual(summary(transitions), ['raised memory-alarm rabbit@bus1 @ 2 min', 'cleared memory-alarm rabbit@bus1 @ 4 min']);
    assert.equal(transitions[0]?.alert.severity, 'critical');
    assert.match(transitions[0]?.alert.message ?? '', /memory alarm \(200\.0 MiB used, limit 1\.0 GiB\): publishers are blocked/);
  });
});

describe('the evaluator', () => {
  test('clears the alerts of a queue that was deleted, and forgets it', () => {
    const e = evaluator({ defaults: { maxReady: 10, sustainSeconds: 0 } });
    run(e, minutes(2, () => ({ ready: 50 })));
    assert.equal(e.active().length, 1);
    const transitions = e.observe(snapshot(T0 + 2 * MINUTE, { queues: [] }));
    assert.deepEqual(summary(transitions), ['cleared depth tidings.archive @ 2 min']);
    assert.match(transitions[0]?.alert.message ?? '', /queue "tidings\.archive" no longer exists/);
    assert.deepEqual(e.active(), []);
  });

  test('ignores a snapshot older than the latest one', () => {
    const e = evaluator({ defaults: { maxReady: 10, sustainSeconds: 0 } });
    e.observe(snapshot(T0 + 10 * SECOND, { queues: [queue('q', { ready: 1 })] }));
    assert.deepEqual(e.observe(snapshot(T0, { queues: [queue('q', { ready: 50 })] })), []);
  });

  test('never raises on a single bad sample for any level kind', () => {
    const bad = queue('q', {
      ready: 5000,
      unacked: 3,
      oldestAgeMs: 29 * MINUTE,
      ackTimeoutMs: 30 * MINUTE,
      deadLetterQueue: 'q.dlq',
      deadLetterDepth: 9,
      rates: { publish: 0, deliver: 50, ack: 0, redeliver: 50 },
    });
    const good = queue('q', { ready: 5000, unacked: 0, deadLetterQueue: 'q.dlq', deadLetterDepth: 0, ackTimeoutMs: 30 * MINUTE });
    const snaps = Array.from({ length: 20 }, (_, i) =>
      snapshot(T0 + i * MINUTE, { queues: [i % 2 === 1 ? bad : good], node: node({ memoryAlarm: i % 2 === 1 }) }),
    );
    const kinds = run(evaluator({ defaults: { maxReady: 6000, sustainSeconds: 90 } }), snaps).map((t) => t.alert.kind);
    assert.deepEqual(kinds, []);
  });
});
