import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertEvaluator } from '../../src/manage/alerts/index.js';
import {
  checkAlerts,
  checkConnections,
  checkDeadLetters,
  checkNodeAlarms,
  checkQueueAge,
  checkQueueConsumers,
  checkQueueDepth,
  checkUnavailable,
} from '../../src/manage/nagios.js';
import { connection, MINUTE, node, queue, snapshot, T0 } from './snapshot-builder.js';

const bus = snapshot(T0, {
  queues: [
    queue('tidings.archive', { ready: 12, unacked: 0, consumers: 1, oldestAgeMs: 90_500, deadLetterQueue: 'tidings.archive.dlq', deadLetterDepth: 2 }),
    queue('tidings.notifier', { ready: 40, consumers: 0, owner: 'tidings-notifier' }),
    queue("it's.odd|name", { ready: 0, consumers: 0 }),
    queue('tidings.archive.dlq', { ready: 2, consumers: 0, isDeadLetterQueue: true }),
    queue('tidings.dead-letters', { ready: 5, consumers: 0, isDeadLetterQueue: true }),
  ],
  connections: [connection('a', { service: 'tidings-archive' }), connection('b', { service: 'tidings-archive' }), connection('c', { service: 'mirror' })],
});

describe('Nagios checks', () => {
  test('queue depth: OK, WARNING and CRITICAL above the thresholds, with quoted perfdata', () => {
    assert.deepEqual(checkQueueDepth(bus, 'tidings.archive', { warning: 100, critical: 1000 }), {
      status: 'OK',
      exitCode: 0,
      line: `TIDINGS QUEUE OK - queue "tidings.archive": 12 ready, 0 unacked, 1 consumer | 'ready'=12;100;1000;0 'unacked'=0;;;0 'consumers'=1;;;0`,
    });
    assert.equal(checkQueueDepth(bus, 'tidings.archive', { warning: 12 }).exitCode, 0, 'a number alerts above it, not at it');
    assert.equal(checkQueueDepth(bus, 'tidings.archive', { warning: 10, critical: 100 }).status, 'WARNING');
    const critical = checkQueueDepth(bus, 'tidings.notifier', { warning: 10, critical: 20 });
    assert.equal(critical.exitCode, 2);
    assert.match(critical.line, /^TIDINGS QUEUE CRITICAL - queue "tidings\.notifier": 40 ready/);
  });

  test('an unknown queue is UNKNOWN and says so', () => {
    const result = checkQueueDepth(bus, 'no.such.queue', { warning: 1 });
    assert.equal(result.status, 'UNKNOWN');
    assert.equal(result.exitCode, 3);
    assert.match(result.line, /^TIDINGS QUEUE UNKNOWN - no queue "no\.such\.queue" on rabbit@bus1 \(vhost \/\): check the queue name/);
    assert.ok(!result.line.includes('|'));
  });

  test('invalid thresholds are UNKNOWN, not a silent OK', () => {
    assert.equal(checkQueueDepth(bus, 'tidings.archive', { warning: Number.NaN }).status, 'UNKNOWN');
    assert.equal(checkQueueAge(bus, 'tidings.archive', { critical: -1 }).exitCode, 3);
  });

  test('oldest message age, in seconds with the s unit', () => {
    const result = checkQueueAge(bus, 'tidings.archive', { warning: 60, critical: 300 });
    assert.equal(result.line, `TIDINGS QUEUE AGE WARNING - queue "tidings.archive": oldest message is 90.5 s old | 'oldest_age'=90.5s;60;300;0`);
    assert.equal(checkQueueAge(bus, "it's.odd|name", { warning: 60 }).status, 'OK');
    assert.equal(checkQueueAge(bus, 'tidings.notifier', { warning: 60 }).status, 'UNKNOWN', 'messages of unknown age');
  });

  test('consumers: CRITICAL when none with messages waiting, WARNING when none and empty', () => {
    const critical = checkQueueConsumers(bus, 'tidings.notifier');
    assert.equal(critical.exitCode, 2);
    assert.equal(
      critical.line,
      `TIDINGS CONSUMERS CRITICAL - queue "tidings.notifier" has 0 consumers (at least 1 expected) with 40 messages waiting; its service was tidings-notifier | 'consumers'=0;1:;1:;0 'ready'=40;;;0`,
    );
    const empty = checkQueueConsumers(bus, "it's.odd|name");
    assert.equal(empty.status, 'WARNING');
    assert.ok(empty.line.startsWith(`TIDINGS CONSUMERS WARNING - queue "it's.odd/name"`), 'a | in the text would start the perfdata');
    assert.equal(checkQueueConsumers(bus, 'tidings.archive').status, 'OK');
    assert.equal(checkQueueConsumers(bus, 'tidings.archive', { minimum: 2 }).status, 'CRITICAL');
  });

  test('dead letters of one queue, of a dead-letter queue itself, or of all, each counted once', () => {
    const one = checkDeadLetters(bus, { queue: 'tidings.archive' });
    assert.equal(one.line, `TIDINGS DEAD LETTERS WARNING - 2 dead letters in "tidings.archive.dlq" | 'dead_letters'=2;0;;0`);
    assert.equal(checkDeadLetters(bus, { queue: 'tidings.dead-letters', warning: 10, critical: 4 }).status, 'CRITICAL');
    const all = checkDeadLetters(bus, { warning: 5, critical: 100 });
    assert.equal(all.line, `TIDINGS DEAD LETTERS WARNING - 7 dead letters in 2 dead-letter queues (tidings.archive.dlq: 2, tidings.dead-letters: 5) | 'dead_letters'=7;5;100;0`);
    assert.equal(checkDeadLetters(bus, { queue: 'tidings.notifier' }).status, 'UNKNOWN');
    assert.equal(checkDeadLetters(snapshot(T0, { queues: [queue('q')] })).status, 'OK');
  });

  test('connections of a service: CRITICAL below the minimum', () => {
    assert.equal(
      checkConnections(bus, 'tidings-archive', { critical: 1, warning: 2 }).line,
      `TIDINGS CONNECTIONS OK - 2 connections from service "tidings-archive" | 'connections'=2;2:;1:;0`,
    );
    assert.equal(checkConnections(bus, 'mirror', { critical: 1, warning: 2 }).status, 'WARNING');
    const none = checkConnections(bus, 'tidings-notifier', { critical: 1 });
    assert.equal(none.exitCode, 2);
    assert.match(none.line, /0 connections from service "tidings-notifier" \(at least 1 expected: is it running/);
  });

  test('node alarms: CRITICAL while either is on, with byte perfdata', () => {
    const calm = checkNodeAlarms(snapshot(T0, { node: node({ memoryBytes: 100, memoryLimitBytes: 1000, diskFreeBytes: 5000, diskFreeLimitBytes: 500 }) }));
    assert.equal(calm.line, `TIDINGS NODE OK - node "rabbit@bus1": no alarm | 'memory'=100B;;1000;0 'disk_free'=5000B;;500:;0`);
    const alarmed = checkNodeAlarms(snapshot(T0, { node: node({ diskAlarm: true, memoryAlarm: true, memoryBytes: null, diskFreeBytes: null }) }));
    assert.equal(alarmed.line, 'TIDINGS NODE CRITICAL - node "rabbit@bus1": memory and disk alarm on, publishers are blocked');
    assert.equal(alarmed.exitCode, 2);
  });

  test("the alert evaluator's active alerts: the worst severity decides", () => {
    const evaluator = new AlertEvaluator({ defaults: { maxReady: 10, sustainSeconds: 0, noConsumerSeconds: 60 } });
    assert.match(checkAlerts(evaluator.active()).line, /^TIDINGS ALERTS OK - no active alert \| 'critical'=0;;0;0 'warning'=0;0;;0$/);
    for (const i of [0, 1, 2]) evaluator.observe(snapshot(T0 + i * MINUTE, { queues: [queue('q', { ready: 50, consumers: 0 })] }));
    const result = checkAlerts(evaluator.active(), 'q');
    assert.equal(result.status, 'WARNING');
    assert.match(result.line, /2 active alerts for "q": queue "q" holds 50 messages ready .*; queue "q" has 50 messages waiting and no consumer/);
    assert.equal(checkAlerts(evaluator.active(), 'other').status, 'OK');
  });

  test('a broker that could not be looked at is UNKNOWN', () => {
    assert.deepEqual(checkUnavailable('connect ECONNREFUSED 127.0.0.1:15672'), {
      status: 'UNKNOWN',
      exitCode: 3,
      line: 'TIDINGS BROKER UNKNOWN - could not look at the broker: connect ECONNREFUSED 127.0.0.1:15672',
    });
  });
});
