/**
 * The web inbox: notifications kept for their owner to read in the settings pages or an Atom feed.
 * A notification is kept once per (owner, message), whatever the number of deliveries that carry it.
 */
import type { StoreDatabase } from '../../store/index.js';
import type { Notification } from '../delivery/index.js';
import type { NotifyDb } from './notify-store.js';

export interface InboxEntry {
  readonly notification: Notification;
  readonly createdAt: number;
  readonly readAt: number | null;
}

export interface InboxPage {
  readonly entries: readonly InboxEntry[];
  readonly unread: number;
}

export class InboxStore {
  private readonly db: NotifyDb;

  constructor(store: StoreDatabase) {
    this.db = store.db as unknown as NotifyDb;
  }

  /** False when the owner has it already (a redelivery). */
  async add(owner: string, notification: Notification, now = Date.now()): Promise<boolean> {
    const result = await this.db
      .insertInto('notify_inbox')
      .values({ owner, message_id: notification.messageId, notification: JSON.stringify(notification), created_at: now, read_at: null })
      .onConflict((conflict) => conflict.columns(['owner', 'message_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Newest first; `before` (a createdAt) pages back. */
  async list(owner: string, options: { limit?: number; before?: number; unreadOnly?: boolean } = {}): Promise<InboxPage> {
    let query = this.db.selectFrom('notify_inbox').selectAll().where('owner', '=', owner);
    if (options.before !== undefined) query = query.where('created_at', '<', options.before);
    if (options.unreadOnly) query = query.where('read_at', 'is', null);
    const rows = await query.orderBy('created_at', 'desc').orderBy('message_id', 'desc').limit(Math.min(options.limit ?? 50, 500)).execute();
    const unread = await this.db.selectFrom('notify_inbox').select((eb) => eb.fn.countAll<number | string>().as('n')).where('owner', '=', owner).where('read_at', 'is', null).executeTakeFirstOrThrow();
    return {
      entries: rows.map((row) => ({
        notification: JSON.parse(row.notification) as Notification,
        createdAt: Number(row.created_at),
        readAt: row.read_at === null ? null : Number(row.read_at),
      })),
      unread: Number(unread.n),
    };
  }

  /** Marks the owner's listed messages (or all of them) read; returns how many changed. */
  async markRead(owner: string, messageIds: readonly string[] | 'all', now = Date.now()): Promise<number> {
    let query = this.db.updateTable('notify_inbox').set({ read_at: now }).where('owner', '=', owner).where('read_at', 'is', null);
    if (messageIds !== 'all') {
      if (messageIds.length === 0) return 0;
      query = query.where('message_id', 'in', messageIds);
    }
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
