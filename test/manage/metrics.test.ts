import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert } from '../../src/manage/alerts/index.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../../src/manage/metrics.js';
import { parsePrometheusText as parseExposition, type PrometheusFamily } from './prometheus-text.js';
import { connection, consumer, node, queue, snapshot, T0, totals } from './snapshot-builder.js';

function series(families: Map<string, PrometheusFamily>, name: string): Map<string, number> {
  const found = families.get(name);
  assert.ok(found, `no ${name}`);
  return new Map(found.samples.map((s) => [Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(','), s.value]));
}

describe('the strict exposition parser (self-check)', () => {
  test('rejects what the format does not allow', () => {
    assert.throws(() => parseExposition('x{a="b\\t"} 1\n'), /bad escape/);
    assert.throws(() => parseExposition('x 1\ny 1\nx 2\n'), /split/);
    assert.throws(() => parseExposition('x{a="1"} 1\nx{a="1"} 2\n'), /duplicate/);
    assert.throws(() => parseExposition('x one\n'), /bad sample value/);
    assert.throws(() => parseExposition('# TYPE x gauge\n# TYPE x gauge\n'), /second TYPE/);
  });
});

const alert = (kind: Alert['kind'], severity: Alert['severity']): Alert => ({
  id: `${kind}:q`,
  kind,
  subjectType: 'queue',
  subject: 'q',
  severity,
  message: '',
  value: 1,
  threshold: 0,
  unit: 'messages',
  breachSince: T0,
  raisedAt: T0,
});

describe('renderMetrics', () => {
  test('writes per-queue gauges, counters from totals, connections by service, node figures and alerts', async () => {
    const s = snapshot(T0, {
      queues: [
        queue('tidings.archive', {
          ready: 12,
          unacked: 3,
          consumers: 2,
          oldestAgeMs: 4500,
          deadLetterQueue: 'tidings.archive.dlq',
          deadLetterDepth: 1,
          rates: { publish: 2.5, deliver: 2, ack: 2, redeliver: null },
          totals: totals({ published: 100, delivered: 90, acked: 88, redelivered: 2, deadLettered: 1 }),
        }),
      ],
      connections: [connection('a', { service: 'tidings-archive' }), connection('b', { service: 'tidings-archive' }), connection('c')],
      consumers: [consumer('t1', 'tidings.archive', 'a'), consumer('t2', 'tidings.archive', 'b')],
      node: node({ memoryAlarm: true, uptimeMs: null }),
    });
    const families = parseExposition(await renderMetrics(s, [alert('depth', 'warning'), alert('dead-letters', 'warning')]));
    assert.equal(series(families, 'tidings_queue_ready').get('queue=tidings.archive'), 12);
    assert.equal(series(families, 'tidings_queue_unacked').get('queue=tidings.archive'), 3);
    assert.equal(series(families, 'tidings_queue_consumers').get('queue=tidings.archive'), 2);
    assert.equal(series(families, 'tidings_queue_oldest_message_age_seconds').get('queue=tidings.archive'), 4.5);
    assert.equal(series(families, 'tidings_queue_dead_letters').get('queue=tidings.archive'), 1);
    const rates = series(families, 'tidings_queue_message_rate');
    assert.equal(rates.get('queue=tidings.archive,operation=publish'), 2.5);
    assert.equal(rates.has('queue=tidings.archive,operation=redeliver'), false, 'an unknown rate has no series, not a zero');
    assert.equal(families.get('tidings_queue_published_total')?.type, 'counter');
    assert.equal(series(families, 'tidings_queue_published_total').get('queue=tidings.archive'), 100);
    assert.equal(series(families, 'tidings_queue_dead_lettered_total').get('queue=tidings.archive'), 1);
    assert.deepEqual([...series(families, 'tidings_connections')], [['service=tidings-archive', 2], ['service=_unknown', 1]]);
    assert.equal(series(families, 'tidings_node_memory_alarm').get(''), 1);
    assert.equal(series(families, 'tidings_node_disk_alarm').get(''), 0);
    assert.equal(families.has('tidings_node_uptime_seconds'), false, 'an unknown figure has no series, not a zero');
    assert.equal(series(families, 'tidings_node_info').get('kind=rabbitmq,node=rabbit@bus1,version=4.1.0,vhost=/'), 1);
    const alerts = series(families, 'tidings_alerts_active');
    assert.equal(alerts.get('kind=depth,severity=warning'), 1);
    assert.equal(alerts.get('kind=no-progress,severity=critical'), 0);
    assert.equal(alerts.size, 10);
    assert.equal(series(families, 'tidings_snapshot_timestamp_seconds').get(''), T0 / 1000);
    assert.match(METRICS_CONTENT_TYPE, /version=0\.0\.4/);
  });

  test('gives the worst queues their own series and sums the rest into queue="_other", and says so', async () => {
    const queues = Array.from({ length: 250 }, (_, i) =>
      queue(`q${String(i).padStart(3, '0')}`, { ready: i, unacked: 1, consumers: 1, oldestAgeMs: i * 1000, deadLetterDepth: i === 0 ? 50 : 0 }),
    );
    // Equal depth to the last queue in (q050): the one with more dead letters is worse.
    queues.push(queue('tie-dead', { ready: 50, unacked: 1, deadLetterDepth: 3 }));
    const families = parseExposition(await renderMetrics(snapshot(T0, { queues }), []));
    const ready = series(families, 'tidings_queue_ready');
    assert.equal(ready.size, 201, '200 queues and _other');
    assert.ok(ready.has('queue=q249') && ready.has('queue=q051') && ready.has('queue=tie-dead'));
    assert.ok(!ready.has('queue=q050') && !ready.has('queue=q000'), 'q050 ties with tie-dead on depth and loses on dead letters');
    assert.equal(ready.get('queue=_other'), (50 * 51) / 2);
    assert.equal(series(families, 'tidings_queue_unacked').get('queue=_other'), 51);
    assert.equal(series(families, 'tidings_queue_dead_letters').get('queue=_other'), 50);
    assert.equal(series(families, 'tidings_queue_oldest_message_age_seconds').get('queue=_other'), 50, 'the oldest, not a sum');
    assert.equal(series(families, 'tidings_queues').get(''), 251);
    assert.equal(series(families, 'tidings_queues_summed_as_other').get(''), 51);
    assert.match(families.get('tidings_queue_ready')?.help ?? '', /only the worst 200 queues .* summed into queue="_other"/);
  });

  test('honours a smaller bound, and leaves out _other when every queue fits', async () => {
    const queues = [queue('a', { ready: 5 }), queue('b', { ready: 9 }), queue('c', { ready: 1 })];
    const bounded = series(parseExposition(await renderMetrics(snapshot(T0, { queues }), [], { maxQueues: 1 })), 'tidings_queue_ready');
    assert.deepEqual([...bounded], [['queue=b', 9], ['queue=_other', 6]]);
    const all = series(parseExposition(await renderMetrics(snapshot(T0, { queues }), [])), 'tidings_queue_ready');
    assert.equal(all.has('queue=_other'), false);
  });

  test('escapes backslashes, quotes and newlines in label values', async () => {
    const name = 'odd\\queue "name"\nline2';
    const text = await renderMetrics(snapshot(T0, { queues: [queue(name, { ready: 1 })], connections: [connection('x', { service: 'svc"\\' })] }), []);
    assert.ok(text.includes('tidings_queue_ready{queue="odd\\\\queue \\"name\\"\\nline2"} 1'));
    const families = parseExposition(text);
    assert.equal(families.get('tidings_queue_ready')?.samples[0]?.labels.queue, name);
    assert.equal(families.get('tidings_connections')?.samples[0]?.labels.service, 'svc"\\');
  });

  test('keeps nothing between scrapes: a deleted queue has no series next time', async () => {
    await renderMetrics(snapshot(T0, { queues: [queue('gone', { ready: 3 })] }), []);
    const families = parseExposition(await renderMetrics(snapshot(T0 + 1000, { queues: [queue('here')] }), []));
    assert.deepEqual([...series(families, 'tidings_queue_ready').keys()], ['queue=here']);
  });
});
