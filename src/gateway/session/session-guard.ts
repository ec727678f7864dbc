/**
 * Who is asking: the session behind a request's cookie, looked up once per request. Pages and the
 * settings API share it; changes (any method but GET/HEAD) must also carry the session's CSRF token,
 * as the `x-csrf-token` header (API) or the `_csrf` form field (pages), so another site cannot make
 * a logged-in browser change settings.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
// The request's cookies and the reply's setCookie come from @fastify/cookie, registered by the gateway.
import type {} from '@fastify/cookie';
import { sameToken } from '../../notify/index.js';
import { CsrfError, NotLoggedInError } from './errors.js';
import type { LoginMethod, Session, SessionStore } from './session-store.js';

export const SESSION_COOKIE = 'tidings_session';

export interface SessionCookieOptions {
  /** Send the cookie over HTTPS only (serve behind TLS, or a public https URL). */
  readonly secure: boolean;
}

export class SessionGuard {
  private readonly seen = new WeakMap<FastifyRequest, Promise<Session | undefined>>();

  constructor(
    readonly sessions: SessionStore,
    private readonly cookie: SessionCookieOptions,
    private readonly lifetimeMs: number,
  ) {}

  /** The request's session, or undefined when it has none. */
  sessionOf(request: FastifyRequest): Promise<Session | undefined> {
    let found = this.seen.get(request);
    if (!found) {
      const token = request.cookies[SESSION_COOKIE];
      found = token ? this.sessions.find(token) : Promise.resolve(undefined);
      this.seen.set(request, found);
    }
    return found;
  }

  /** The session, or NotLoggedInError. */
  async require(request: FastifyRequest): Promise<Session> {
    const session = await this.sessionOf(request);
    if (!session) throw new NotLoggedInError('log in first: this needs your account (GET /login)');
    return session;
  }

  /** The session of a request that changes something: it must carry the session's CSRF token. */
  async requireForChange(request: FastifyRequest, formToken?: unknown): Promise<Session> {
    const session = await this.require(request);
    const header = request.headers['x-csrf-token'];
    const given = typeof formToken === 'string' ? formToken : typeof header === 'string' ? header : '';
    if (!sameToken(given, session.csrf)) {
      throw new CsrfError('this change carries no valid CSRF token: reload the page and try again (API clients send the x-csrf-token from GET /api/v1/notify/me)');
    }
    return session;
  }

  /** Opens a session for the person and sets its cookie on the reply. */
  async logIn(reply: FastifyReply, user: string, via: LoginMethod): Promise<Session> {
    const { token, session } = await this.sessions.open(user, via, this.lifetimeMs);
    void reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.cookie.secure, maxAge: Math.floor(this.lifetimeMs / 1000) });
    return session;
  }

  async logOut(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await this.sessions.close(token);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
  }
}
