/**
 * Identities of the gateway: who may publish which topics. A token is shown once, at creation; only
 * an scrypt hash of its secret is kept. Tokens look like `tdg.<key id>.<secret>`: the key id finds
 * the identity, the secret is checked against the hash in constant time.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto';
import { assertValidPattern, TidingsError } from '../message/index.js';
import type { StoreDatabase } from './database.js';
import type { IdentitiesTable } from './schema.js';

const scrypt = (secret: BinaryLike, salt: BinaryLike, length: number, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCallback(secret, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))));

/** scrypt's cost: ~50 ms per check on this class of machine; checks are cached per token (see gateway). */
const SCRYPT = { N: 16_384, r: 8, p: 1 } as const;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export class IdentityError extends TidingsError {
  readonly code = 'IDENTITY_INVALID';
}

export interface Identity {
  readonly name: string;
  readonly keyId: string;
  readonly topics: readonly string[];
  readonly publicKey: string | null;
  readonly ratePerMinute: number | null;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface NewIdentity {
  readonly topics: readonly string[];
  readonly publicKey?: string | null;
  readonly ratePerMinute?: number | null;
}

function toIdentity(row: IdentitiesTable): Identity {
  return {
    name: row.name,
    keyId: row.key_id,
    topics: JSON.parse(row.topics) as string[],
    publicKey: row.public_key,
    ratePerMinute: row.rate_per_minute === null ? null : Number(row.rate_per_minute),
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, 32, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

async function secretMatches(secret: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** `tdg.<key id>.<secret>` → its parts, or null for anything else. */
export function parseToken(token: string): { keyId: string; secret: string } | null {
  const match = /^tdg\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return match ? { keyId: match[1]!, secret: match[2]! } : null;
}

export class IdentityStore {
  constructor(private readonly store: StoreDatabase) {}

  /** Creates an identity; returns it with its token, which is never shown again. */
  async create(name: string, options: NewIdentity): Promise<{ identity: Identity; token: string }> {
    if (!NAME.test(name)) {
      throw new IdentityError(`identity name ${JSON.stringify(name.slice(0, 60))} must be 1–100 letters, digits, ".", "_" or "-", starting with a letter or digit`);
    }
    if (options.topics.length === 0) throw new IdentityError('an identity needs at least one topic pattern (--topics org.example.prod.app.#)');
    for (const pattern of options.topics) assertValidPattern(pattern);
    if (options.ratePerMinute !== undefined && options.ratePerMinute !== null && !(Number.isInteger(options.ratePerMinute) && options.ratePerMinute > 0)) {
      throw new IdentityError('the rate limit must be a whole number of messages per minute > 0');
    }
    const existing = await this.store.db.selectFrom('identities').select('name').where('name', '=', name).executeTakeFirst();
    if (existing) throw new IdentityError(`identity "${name}" exists already: revoke it first, or choose another name`);
    const keyId = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const row: IdentitiesTable = {
      name,
      key_id: keyId,
      token_hash: await hashSecret(secret),
      topics: JSON.stringify(options.topics),
      public_key: options.publicKey ?? null,
      rate_per_minute: options.ratePerMinute ?? null,
      created_at: Date.now(),
      revoked_at: null,
    };
    await this.store.db.insertInto('identities').values(row).execute();
    return { identity: toIdentity(row), token: `tdg.${keyId}.${secret}` };
  }

  async list(): Promise<Identity[]> {
    return (await this.store.db.selectFrom('identities').selectAll().orderBy('name').execute()).map(toIdentity);
  }

  async get(name: string): Promise<Identity | undefined> {
    const row = await this.store.db.selectFrom('identities').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toIdentity(row) : undefined;
  }

  async byKeyId(keyId: string): Promise<Identity | undefined> {
    const row = await this.store.db.selectFrom('identities').selectAll().where('key_id', '=', keyId).executeTakeFirst();
    return row ? toIdentity(row) : undefined;
  }

  /** Revokes an identity: its token stops working at once. Returns false when there is no such identity. */
  async revoke(name: string): Promise<boolean> {
    const result = await this.store.db.updateTable('identities').set({ revoked_at: Date.now() }).where('name', '=', name).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The identity a token belongs to, if the token is right and not revoked. */
  async authenticate(token: string): Promise<Identity | null> {
    const parts = parseToken(token);
    if (!parts) return null;
    const row = await this.store.db.selectFrom('identities').selectAll().where('key_id', '=', parts.keyId).executeTakeFirst();
    if (!row || row.revoked_at !== null) return null;
    return (await secretMatches(parts.secret, row.token_hash)) ? toIdentity(row) : null;
  }
}
