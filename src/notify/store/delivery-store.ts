/**
 * Delivery's state: the outbox (each channel's durable queue of sends, with retries and dead
 * letters), notifications waiting for a digest, and each destination's delivery health.
 *
 * Every send has a deterministic id, so queueing it again (a redelivered bus message, two matcher
 * processes) is a no-op; a worker takes a job by leasing it (lease_until), so that two workers never
 * send it at once and a crashed worker's job is taken again when its lease runs out.
 */
import { createHash } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { StoreDatabase } from '../../store/index.js';
import type { Notification } from '../delivery/types.js';
import type { DestinationKind } from '../model.js';
import type { NotifyDb } from './notify-store.js';
import type { NotifyOutboxTable } from './tables.js';

export type OutboxRow = Selectable<NotifyOutboxTable>;
export type OutboxKind = NotifyOutboxTable['kind'];

/** Permanent failures in a row after which a destination is paused (it bounces): not spammed further. */
export const PAUSE_AFTER_FAILURES = 5;

export interface OutboxEntry {
  readonly id: string;
  readonly destinationId: string;
  readonly channel: DestinationKind;
  readonly kind: OutboxKind;
  readonly payload: unknown;
  readonly dueAt: number;
}

export interface PendingSummary {
  readonly destinationId: string;
  readonly count: number;
  readonly oldest: number;
  /** When its last digest went out; null: never. */
  readonly lastDigestAt: number | null;
}

export interface OutboxCounts {
  readonly queued: number;
  readonly sent: number;
  readonly dead: number;
}

/** A short, stable id from the parts that make a send unique. */
export function deliveryId(...parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('base64url').slice(0, 27);
}

export class DeliveryStore {
  private readonly db: NotifyDb;

  constructor(store: StoreDatabase) {
    this.db = store.db as unknown as NotifyDb;
  }

  // ---- the outbox ----

  /** False when the job was queued already. */
  async enqueue(entry: OutboxEntry, now = Date.now()): Promise<boolean> {
    const result = await this.db
      .insertInto('notify_outbox')
      .values({
        id: entry.id,
        destination_id: entry.destinationId,
        channel: entry.channel,
        kind: entry.kind,
        payload: JSON.stringify(entry.payload),
        state: 'queued',
        attempts: 0,
        due_at: entry.dueAt,
        lease_until: null,
        last_error: null,
        created_at: now,
        sent_at: null,
      })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Leases up to `limit` due jobs of a channel for `leaseMs`; the oldest due first. */
  async claim(channel: DestinationKind, limit: number, leaseMs: number, now = Date.now()): Promise<OutboxRow[]> {
    const free = sql<boolean>`(lease_until IS NULL OR lease_until < ${now})`;
    const due = this.db
      .selectFrom('notify_outbox')
      .select('id')
      .where('channel', '=', channel)
      .where('state', '=', 'queued')
      .where('due_at', '<=', now)
      .where(free)
      .orderBy('due_at')
      .limit(limit);
    // The lease condition is checked again on the row being updated: of two workers racing for a
    // job, the second finds it leased and leaves it.
    const rows = await this.db.updateTable('notify_outbox').set({ lease_until: now + leaseMs }).where('id', 'in', due).where(free).returningAll().execute();
    return rows.sort((a, b) => Number(a.due_at) - Number(b.due_at));
  }

  /** `scrub` forgets the payload (a confirmation code has no business staying in the database). */
  async markSent(id: string, options: { scrub?: boolean } = {}, now = Date.now()): Promise<void> {
    await this.db
      .updateTable('notify_outbox')
      .set({ state: 'sent', sent_at: now, lease_until: null, last_error: null, ...(options.scrub ? { payload: '{}' } : {}) })
      .where('id', '=', id)
      .execute();
  }

  async retryLater(id: string, error: string, dueAt: number): Promise<void> {
    await this.db
      .updateTable('notify_outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), due_at: dueAt, lease_until: null, last_error: error.slice(0, 2000) }))
      .where('id', '=', id)
      .execute();
  }

  /** Gives a job up, keeping why (the dead letter an operator can read and retry). */
  async markDead(id: string, reason: string): Promise<void> {
    await this.db
      .updateTable('notify_outbox')
      .set((eb) => ({ state: 'dead', attempts: eb('attempts', '+', 1), lease_until: null, last_error: reason.slice(0, 2000) }))
      .where('id', '=', id)
      .execute();
  }

  /** Puts dead jobs (all, or one destination's) back in the queue, due now. */
  async retryDead(options: { destinationId?: string } = {}, now = Date.now()): Promise<number> {
    let query = this.db.updateTable('notify_outbox').set({ state: 'queued', due_at: now, lease_until: null }).where('state', '=', 'dead');
    if (options.destinationId !== undefined) query = query.where('destination_id', '=', options.destinationId);
    return Number((await query.executeTakeFirst()).numUpdatedRows);
  }

  async get(id: string): Promise<OutboxRow | undefined> {
    return this.db.selectFrom('notify_outbox').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async jobsOf(destinationId: string, limit = 100): Promise<OutboxRow[]> {
    return this.list({ destinationId, limit });
  }

  /** Newest first, optionally of one state or destination (the operator's view of dead letters). */
  async list(options: { state?: OutboxRow['state']; destinationId?: string; limit?: number } = {}): Promise<OutboxRow[]> {
    let query = this.db.selectFrom('notify_outbox').selectAll();
    if (options.state !== undefined) query = query.where('state', '=', options.state);
    if (options.destinationId !== undefined) query = query.where('destination_id', '=', options.destinationId);
    return query.orderBy('created_at', 'desc').limit(Math.min(options.limit ?? 100, 10_000)).execute();
  }

  async counts(): Promise<OutboxCounts> {
    const rows = await this.db.selectFrom('notify_outbox').select(['state', (eb) => eb.fn.countAll<number | string>().as('n')]).groupBy('state').execute();
    const of = (state: string): number => Number(rows.find((row) => row.state === state)?.n ?? 0);
    return { queued: of('queued'), sent: of('sent'), dead: of('dead') };
  }

  /** Immediate notifications queued for a destination since `since` (its hourly rate limit). */
  async notificationsSince(destinationId: string, since: number): Promise<number> {
    const row = await this.db
      .selectFrom('notify_outbox')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('destination_id', '=', destinationId)
      .where('created_at', '>=', since)
      .where('kind', '=', 'notification')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Forgets sent jobs older than `before` (their ids only guard against re-sending for so long). */
  async pruneSent(before: number): Promise<number> {
    const result = await this.db.deleteFrom('notify_outbox').where('state', '=', 'sent').where('created_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  // ---- destinations' health ----

  async recordSuccess(destinationId: string): Promise<void> {
    await this.db.updateTable('notify_destinations').set({ failures: 0 }).where('id', '=', destinationId).where('failures', '>', 0).execute();
  }

  /** Counts a permanent failure; pauses the destination after PAUSE_AFTER_FAILURES in a row. True when it paused now. */
  async recordPermanentFailure(destinationId: string, reason: string): Promise<boolean> {
    await this.db.updateTable('notify_destinations').set((eb) => ({ failures: eb('failures', '+', 1) })).where('id', '=', destinationId).execute();
    const paused = await this.db
      .updateTable('notify_destinations')
      .set({ paused_reason: `paused after ${PAUSE_AFTER_FAILURES} failed deliveries in a row; the last: ${reason}`.slice(0, 500) })
      .where('id', '=', destinationId)
      .where('failures', '>=', PAUSE_AFTER_FAILURES)
      .where('paused_reason', 'is', null)
      .executeTakeFirst();
    if (Number(paused.numUpdatedRows) === 0) return false;
    // In the change feed, so every matcher process stops queueing for it.
    await this.db.insertInto('notify_changes').values({ kind: 'destination', key: destinationId, time: Date.now() }).execute();
    return true;
  }

  // ---- digests ----

  /** Keeps a notification for the destination's next digest; false when it is kept already. */
  async addPending(destinationId: string, notification: Notification, now = Date.now()): Promise<boolean> {
    const result = await this.db
      .insertInto('notify_pending')
      .values({ destination_id: destinationId, message_id: notification.messageId, reasons: JSON.stringify(notification.reasons), notification: JSON.stringify(notification), created_at: now })
      .onConflict((conflict) => conflict.columns(['destination_id', 'message_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Every destination with notifications waiting, how many and since when. */
  async pendingSummaries(): Promise<PendingSummary[]> {
    const rows = await this.db
      .selectFrom('notify_pending as p')
      .innerJoin('notify_destinations as d', 'd.id', 'p.destination_id')
      .select(['p.destination_id', 'd.last_digest_at', (eb) => eb.fn.countAll<number | string>().as('n'), (eb) => eb.fn.min('p.created_at').as('oldest')])
      .groupBy(['p.destination_id', 'd.last_digest_at'])
      .execute();
    return rows.map((row) => ({
      destinationId: row.destination_id,
      count: Number(row.n),
      oldest: Number(row.oldest),
      lastDigestAt: row.last_digest_at === null ? null : Number(row.last_digest_at),
    }));
  }

  /**
   * Turns what waits for a destination into one digest job, in one transaction: the job is queued,
   * what it carries leaves the pending list, and the destination's last digest time is set. Returns
   * the job's id, or null when nothing was waiting. At most `limit` notifications a digest.
   */
  async takeDigest(destinationId: string, channel: DestinationKind, limit: number, now = Date.now()): Promise<string | null> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('notify_pending').selectAll().where('destination_id', '=', destinationId).orderBy('created_at').orderBy('message_id').limit(limit).execute();
      if (rows.length === 0) return null;
      const notifications = rows.map((row) => JSON.parse(row.notification ?? 'null') as Notification | null).filter((n): n is Notification => n !== null);
      const id = deliveryId('digest', destinationId, ...rows.map((row) => row.message_id));
      const since = new Date(Number(rows[0]!.created_at)).toISOString();
      const payload = { notifications, since, until: new Date(now).toISOString() };
      if (notifications.length > 0) {
        await trx
          .insertInto('notify_outbox')
          .values({ id, destination_id: destinationId, channel, kind: 'digest', payload: JSON.stringify(payload), state: 'queued', attempts: 0, due_at: now, lease_until: null, last_error: null, created_at: now, sent_at: null })
          .onConflict((conflict) => conflict.column('id').doNothing())
          .execute();
      }
      await trx.deleteFrom('notify_pending').where('destination_id', '=', destinationId).where('message_id', 'in', rows.map((row) => row.message_id)).execute();
      await trx.updateTable('notify_destinations').set({ last_digest_at: now }).where('id', '=', destinationId).execute();
      return notifications.length > 0 ? id : null;
    });
  }

  // ---- Matrix direct rooms ----

  async matrixRoom(userId: string): Promise<string | undefined> {
    return (await this.db.selectFrom('notify_matrix_rooms').select('room_id').where('user_id', '=', userId).executeTakeFirst())?.room_id;
  }

  async setMatrixRoom(userId: string, roomId: string, now = Date.now()): Promise<void> {
    await this.db
      .insertInto('notify_matrix_rooms')
      .values({ user_id: userId, room_id: roomId, created_at: now })
      .onConflict((conflict) => conflict.column('user_id').doUpdateSet({ room_id: roomId }))
      .execute();
  }
}
