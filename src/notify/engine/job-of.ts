/** An outbox row, read back into the job its channel is handed. */
import type { DeliveryJob, DeliveryLinks, Notification } from '../delivery/types.js';
import type { Destination } from '../model.js';
import type { OutboxRow } from '../store/delivery-store.js';

interface DigestPayload {
  readonly notifications: Notification[];
  readonly since: string;
  readonly until: string;
}

export function jobOf(row: OutboxRow, destination: Destination, links: DeliveryLinks): DeliveryJob {
  const payload = JSON.parse(row.payload) as unknown;
  switch (row.kind) {
    case 'notification':
      return { kind: 'notification', id: row.id, destination, notification: payload as Notification, links };
    case 'digest': {
      const digest = payload as DigestPayload;
      return { kind: 'digest', id: row.id, destination, notifications: digest.notifications, since: digest.since, until: digest.until, links };
    }
    case 'verification':
      return { kind: 'verification', id: row.id, destination, code: (payload as { code: string }).code, links };
  }
}
