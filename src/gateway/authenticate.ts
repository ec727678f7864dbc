/**
 * Bearer tokens to identities. A token's scrypt check costs tens of milliseconds, so a verified
 * token is remembered (by its SHA-256, never in clear) for a few minutes; the identity itself is
 * re-read at most every second, so a revocation bites within a second.
 */
import { createHash } from 'node:crypto';
import type { Identity, IdentityStore } from '../store/index.js';
import { parseToken } from '../store/index.js';

const VERIFIED_FOR_MS = 5 * 60_000;
const IDENTITY_FRESH_FOR_MS = 1_000;
const MAX_CACHED = 10_000;

export class Authenticator {
  private readonly verified = new Map<string, { keyId: string; until: number }>();
  private readonly identities = new Map<string, { identity: Identity | undefined; until: number }>();

  constructor(private readonly store: IdentityStore) {}

  /** The identity of an `Authorization: Bearer …` header, or null (missing, malformed, wrong, revoked). */
  async identify(authorization: string | undefined): Promise<Identity | null> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token || !parseToken(token)) return null;
    const digest = createHash('sha256').update(token).digest('hex');
    const now = Date.now();
    const known = this.verified.get(digest);
    if (known && known.until > now) {
      const identity = await this.identityByKey(known.keyId, now);
      return identity && identity.revokedAt === null ? identity : null;
    }
    const identity = await this.store.authenticate(token);
    if (!identity) return null;
    if (this.verified.size >= MAX_CACHED) this.verified.clear();
    this.verified.set(digest, { keyId: identity.keyId, until: now + VERIFIED_FOR_MS });
    this.identities.set(identity.keyId, { identity, until: now + IDENTITY_FRESH_FOR_MS });
    return identity;
  }

  private async identityByKey(keyId: string, now: number): Promise<Identity | undefined> {
    const cached = this.identities.get(keyId);
    if (cached && cached.until > now) return cached.identity;
    const identity = await this.store.byKeyId(keyId);
    if (this.identities.size >= MAX_CACHED) this.identities.clear();
    this.identities.set(keyId, { identity, until: now + IDENTITY_FRESH_FOR_MS });
    return identity;
  }
}
