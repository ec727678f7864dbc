/** Sample delivery jobs for the channels' tests. */
import { LinkBuilder, type DeliveryJob, type Destination, type Notification } from '../../../src/notify/index.js';

export const links = new LinkBuilder('https://tidings.example.org', Buffer.alloc(32, 3));

export function destination(kind: Destination['kind'], address: string, extra: Partial<Destination> = {}): Destination {
  return { id: `d-${kind}`, owner: 'alice', kind, address, label: address, verifiedAt: 1, disabled: false, delivery: { kind: 'immediate' }, quietHours: null, maxPerHour: null, pausedReason: null, ...extra };
}

export function notification(extra: Partial<Notification> = {}): Notification {
  return {
    messageId: 'msg-1',
    topic: 'org.fedoraproject.prod.buildsys.build.state.change',
    app: 'buildsys',
    summary: "koji's kernel-6.12.0-1.fc42 completed",
    url: 'https://koji.fedoraproject.org/koji/buildinfo?buildID=1',
    severity: 20,
    sentAt: '2026-12-06T14:05:00.000Z',
    agent: 'koji',
    usernames: ['koji', 'alice'],
    packages: ['kernel'],
    reasons: [{ ruleId: 'r-1', ruleName: 'My packages', because: 'you own kernel' }],
    commit: null,
    ...extra,
  };
}

export function notificationJob(dest: Destination, extra: Partial<Notification> = {}, id = 'job-1'): DeliveryJob {
  return { kind: 'notification', id, destination: dest, notification: notification(extra), links };
}

export function digestJob(dest: Destination, count: number): DeliveryJob {
  const notifications = Array.from({ length: count }, (_, i) =>
    notification({ messageId: `m${i}`, app: i % 3 === 0 ? 'bodhi' : 'buildsys', summary: `event number ${i}`, sentAt: new Date(Date.UTC(2026, 11, 6, 13, i)).toISOString() }),
  );
  return { kind: 'digest', id: `digest-${count}`, destination: dest, notifications, since: '2026-12-06T13:00:00.000Z', until: '2026-12-06T14:00:00.000Z', links };
}

export function verificationJob(dest: Destination, code = 'K7QX2MPA'): DeliveryJob {
  return { kind: 'verification', id: `verify-${dest.id}`, destination: dest, code, links };
}
