/**
 * The sentences operators read: each says what is wrong, with the figures, and the first thing to
 * try. They are built only when an alert is raised or cleared, never per sample.
 */
import type { AlertKind } from './alert.js';

export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function messages(count: number): string {
  return count === 1 ? '1 message' : `${count} messages`;
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

export const describe = {
  noConsumer: (queue: string, waiting: number, seconds: number, thresholdSeconds: number): string =>
    `queue "${queue}" has ${messages(waiting)} waiting and no consumer for ${formatDuration(seconds)} ` +
    `(threshold ${formatDuration(thresholdSeconds)}): start the service that consumes it, or delete the queue if nobody needs it any more`,

  noProgress: (queue: string, consumers: number, waiting: number, seconds: number, thresholdMinutes: number): string =>
    `queue "${queue}" has ${consumers} consumer${consumers === 1 ? '' : 's'} and ${messages(waiting)} waiting, but nothing ` +
    `was delivered or acknowledged for ${formatDuration(seconds)} (threshold ${thresholdMinutes} min): the consumer is stuck ` +
    `(a handler that never returns, or a reconnect that left it idle); restart it or close its connection`,

  redeliveryLoop: (queue: string, rate: number, depth: number, threshold: number): string =>
    `queue "${queue}" redelivers ${rate.toFixed(1)} messages/s while its depth stays at ${depth} (threshold ${threshold}/s): ` +
    `a handler keeps failing and requeueing the same messages; read the consumer's log, and let it dead-letter what it cannot handle`,

  ackTimeout: (queue: string, oldestMs: number, timeoutMs: number, share: number, thresholdShare: number): string =>
    `queue "${queue}": its oldest unacknowledged message is ${formatDuration(oldestMs / 1000)} old, ${percent(share)} of the ` +
    `broker's acknowledgement timeout of ${formatDuration(timeoutMs / 1000)} (threshold ${percent(thresholdShare)}): at the timeout ` +
    `the broker closes the consumer's channel and redelivers; find the slow handler, or raise the broker's consumer timeout`,

  growing: (queue: string, minutes: number, from: number, to: number, thresholdMinutes: number): string =>
    `queue "${queue}" has grown for ${Math.round(minutes)} min, from ${from} to ${messages(to)} (threshold ${thresholdMinutes} min): ` +
    `its consumers do not keep up; add consumers or find what slows them`,

  depth: (queue: string, ready: number, threshold: number): string =>
    `queue "${queue}" holds ${messages(ready)} ready (threshold ${threshold}): its consumers are behind or gone; ` +
    `check them before the broker runs short of memory or disk`,

  deadLetters: (queue: string, deadLetterQueue: string, count: number, threshold: number): string =>
    `queue "${queue}" has ${count} dead letter${count === 1 ? '' : 's'} in "${deadLetterQueue}" (threshold ${threshold}): ` +
    `peek at them to see why they died, then retry or discard them`,

  publisherQuiet: (prefix: string, minutes: number, thresholdMinutes: number, everSeen: boolean): string =>
    `no "${prefix}" message ${everSeen ? 'for' : 'at all in'} ${formatDuration(minutes * 60)} (threshold ${thresholdMinutes} min): ` +
    `is its publisher running, and can it reach the bus?`,

  memoryAlarm: (node: string, used: number | null, limit: number | null): string =>
    `broker node "${node}" raised its memory alarm${used !== null && limit !== null ? ` (${formatBytes(used)} used, limit ${formatBytes(limit)})` : ''}: ` +
    `publishers are blocked until memory falls; drain or purge the deepest queues`,

  diskAlarm: (node: string, free: number | null, limit: number | null): string =>
    `broker node "${node}" raised its disk alarm${free !== null && limit !== null ? ` (${formatBytes(free)} free, limit ${formatBytes(limit)})` : ''}: ` +
    `publishers are blocked until disk space is freed; drain or purge the deepest queues, or free space on the broker's disk`,
};

const RECOVERED: Readonly<Record<AlertKind, string>> = {
  'no-consumer': 'has a consumer again, or is empty',
  'no-progress': 'is making progress again',
  'redelivery-loop': 'no longer redelivers in a loop',
  'ack-timeout': 'has no message near the acknowledgement timeout any more',
  growing: 'is no longer growing',
  depth: 'is back under its depth threshold',
  'dead-letters': 'has its dead letters dealt with',
  'publisher-quiet': 'is publishing again',
  'memory-alarm': 'has cleared its memory alarm',
  'disk-alarm': 'has cleared its disk alarm',
};

export function describeRecovery(kind: AlertKind, subjectLabel: string): string {
  return `${subjectLabel} ${RECOVERED[kind]}`;
}

export function describeGone(subjectLabel: string): string {
  return `${subjectLabel} no longer exists`;
}
