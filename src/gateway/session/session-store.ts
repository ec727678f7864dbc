/**
 * Logins, kept in the database so every serve process behind a load balancer knows them and a
 * restart logs nobody out. The browser holds a random token; the table holds its SHA-256, the
 * account it belongs to, how it logged in, and the CSRF token that changes must echo.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { StoreDatabase } from '../../store/index.js';

interface WebSessionsTable {
  token_hash: string;
  user_name: string;
  csrf: string;
  via: string;
  created_at: number;
  expires_at: number;
}

type SessionDb = Kysely<{ web_sessions: WebSessionsTable }>;

/** How a session was opened: shown to its owner, and telling dev logins apart in the log. */
export type LoginMethod = 'oidc' | 'dev';

export interface Session {
  readonly user: string;
  readonly csrf: string;
  readonly via: LoginMethod;
  readonly expiresAt: number;
}

const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

export class SessionStore {
  private readonly db: SessionDb;

  constructor(store: StoreDatabase) {
    this.db = store.db as unknown as SessionDb;
  }

  /** Opens a session; resolves with the token for the cookie (shown nowhere else). */
  async open(user: string, via: LoginMethod, lifetimeMs: number, now = Date.now()): Promise<{ token: string; session: Session }> {
    const token = randomBytes(32).toString('base64url');
    const session: Session = { user, via, csrf: randomBytes(24).toString('base64url'), expiresAt: now + lifetimeMs };
    await this.db
      .insertInto('web_sessions')
      .values({ token_hash: hashToken(token), user_name: user, csrf: session.csrf, via, created_at: now, expires_at: session.expiresAt })
      .execute();
    return { token, session };
  }

  /** The live session of a token; undefined for an unknown, expired or malformed one. */
  async find(token: string, now = Date.now()): Promise<Session | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const row = await this.db.selectFrom('web_sessions').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
    if (!row || Number(row.expires_at) <= now) return undefined;
    return { user: row.user_name, csrf: row.csrf, via: row.via as LoginMethod, expiresAt: Number(row.expires_at) };
  }

  async close(token: string): Promise<void> {
    await this.db.deleteFrom('web_sessions').where('token_hash', '=', hashToken(token)).execute();
  }

  /** Forgets expired sessions; resolves with how many. */
  async prune(now = Date.now()): Promise<number> {
    const result = await this.db.deleteFrom('web_sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
