/** The broker node's alarms: the broker's own judgement, which blocks publishers while it holds. */
import type { NodeView } from '../model.js';
import type { Measurement } from './measurement.js';
import { describe } from './messages.js';
import type { NodeThresholds } from './thresholds.js';

export function measureNode(node: NodeView, thresholds: NodeThresholds): Measurement[] {
  const sustainMs = thresholds.sustainSeconds * 1000;
  // An alarm is on or off: off is clear at once, there is no margin to wait for.
  const alarm = (on: boolean) => ({ breached: on, clearable: !on });
  return [
    {
      kind: 'memory-alarm',
      subjectType: 'node',
      subject: node.name,
      value: node.memoryBytes ?? (node.memoryAlarm ? 1 : 0),
      threshold: node.memoryLimitBytes ?? 0,
      unit: 'bytes',
      reading: alarm(node.memoryAlarm),
      sustainMs,
      describe: () => describe.memoryAlarm(node.name, node.memoryBytes, node.memoryLimitBytes),
    },
    {
      kind: 'disk-alarm',
      subjectType: 'node',
      subject: node.name,
      value: node.diskFreeBytes ?? (node.diskAlarm ? 1 : 0),
      threshold: node.diskFreeLimitBytes ?? 0,
      unit: 'bytes',
      reading: alarm(node.diskAlarm),
      sustainMs,
      describe: () => describe.diskAlarm(node.name, node.diskFreeBytes, node.diskFreeLimitBytes),
    },
  ];
}
