/**
 * The gateway's Ed25519 key, made on first use and kept in the database so every gateway process
 * (and every restart) signs with the same key, and consumers can verify with its public half.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { publicKeyId } from '../message/index.js';
import type { StoreDatabase } from './database.js';

export interface SigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export class SigningKeyStore {
  constructor(private readonly store: StoreDatabase) {}

  /** The key the gateway signs with, created the first time. */
  async gatewayKey(): Promise<SigningKey> {
    const row = await this.store.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('private_key', 'is not', null)
      .orderBy('created_at', 'asc')
      .executeTakeFirst();
    if (row?.private_key) {
      const privateKey = createPrivateKey(row.private_key);
      return { keyId: row.key_id, privateKey, publicKey: createPublicKey(row.public_key) };
    }
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const keyId = publicKeyId(publicKey);
    await this.store.db
      .insertInto('signing_keys')
      .values({
        key_id: keyId,
        public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        created_at: Date.now(),
      })
      .onConflict((conflict) => conflict.doNothing())
      .execute();
    // Another gateway may have made one at the same moment: whichever was stored first wins.
    return this.gatewayKey();
  }

  /** Every public key the gateway has signed with, by key id. */
  async gatewayPublicKeys(): Promise<Map<string, KeyObject>> {
    const rows = await this.store.db.selectFrom('signing_keys').select(['key_id', 'public_key']).execute();
    return new Map(rows.map((row) => [row.key_id, createPublicKey(row.public_key)]));
  }
}
