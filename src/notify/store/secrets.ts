/**
 * The notifier's server secret: the key of unsubscribe links, webhook signatures and feed tokens.
 * Made once, at the first start, and kept in the database so that every serve process sharing it
 * (several behind a load balancer) signs and checks alike.
 */
import { randomBytes } from 'node:crypto';
import type { StoreDatabase } from '../../store/index.js';
import type { NotifyDb } from './notify-store.js';

const NAME = 'link_secret';

export async function loadNotifySecret(store: StoreDatabase): Promise<Buffer> {
  const db = store.db as unknown as NotifyDb;
  // Two processes starting at once both try; the first insert wins and both read it back.
  await db
    .insertInto('notify_secrets')
    .values({ name: NAME, value: randomBytes(32).toString('base64url') })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('notify_secrets').select('value').where('name', '=', NAME).executeTakeFirstOrThrow();
  return Buffer.from(row.value, 'base64url');
}
