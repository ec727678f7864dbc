/**
 * Logging in and out. With an OpenID provider configured, /login sends the person there (the code
 * flow with PKCE) and /login/callback opens the session. Without one, serve may offer the local
 * development login: a form that takes any account name, marked as such on every page.
 *
 * What a login in progress must remember (state, nonce, PKCE verifier, where to go after) rides in
 * a signed, short-lived cookie scoped to /login, so any serve process can finish a login another began.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAccountName, type NotifyStore } from '../notify/index.js';
import { sameToken } from '../notify/index.js';
import { LoginError, type OidcLogin, type PendingLogin, type SessionGuard } from '../gateway/session/index.js';
import type { Logger } from '../log/index.js';
import { fieldOf, formOf, safeNext } from './forms.js';
import { loginPage } from './pages/index.js';
import { sendPage } from './routes.js';

export interface LoginRouteOptions {
  readonly store: NotifyStore;
  readonly guard: SessionGuard;
  /** Null: no provider configured. */
  readonly oidc: OidcLogin | null;
  readonly devLogin: boolean;
  /** Accounts made administrators when they log in. */
  readonly admins: readonly string[];
  /** The URL people reach serve at: the provider sends them back to its /login/callback. */
  readonly publicBase: () => string;
  /** Cookies over HTTPS only. */
  readonly secureCookies: boolean;
  readonly logger: Logger;
}

const PENDING_COOKIE = 'tidings_login';
const FORM_COOKIE = 'tidings_login_form';
const LOGIN_COOKIE_SECONDS = 600;

function isPending(value: unknown): value is PendingLogin {
  if (typeof value !== 'object' || value === null) return false;
  const pending = value as Record<string, unknown>;
  return ['state', 'nonce', 'verifier', 'next'].every((key) => typeof pending[key] === 'string');
}

export function registerLoginRoutes(app: FastifyInstance, options: LoginRouteOptions): void {
  const { guard, store } = options;
  const cookie = { path: '/login', httpOnly: true, sameSite: 'lax' as const, secure: options.secureCookies, signed: true, maxAge: LOGIN_COOKIE_SECONDS };
  const goTo = (reply: FastifyReply, location: string): FastifyReply => reply.code(303).header('location', location).send();
  const mode = options.oidc ? 'oidc' : options.devLogin ? 'dev' : 'none';
  const showLogin = (reply: FastifyReply, next: string, error?: string, status = 200, loggedOut = false): FastifyReply => {
    const formToken = randomBytes(24).toString('base64url');
    if (mode === 'dev') void reply.setCookie(FORM_COOKIE, formToken, cookie);
    return sendPage(reply, loginPage({ mode, formToken, next, error, loggedOut }), status);
  };

  /** The session is opened for an account: made on first sight, admin when configured so. */
  const openSession = async (reply: FastifyReply, user: string, via: 'oidc' | 'dev', email: string | null): Promise<void> => {
    await store.ensureUser(user, { email });
    if (options.admins.includes(user)) await store.setAdmin(user, true);
    await guard.logIn(reply, user, via);
    options.logger.info({ user, via }, 'logged in');
  };

  app.get('/login', async (request: FastifyRequest<{ Querystring: { next?: string; done?: string } }>, reply) => {
    const next = safeNext(request.query.next);
    if (await guard.sessionOf(request)) return goTo(reply, next);
    // After a logout the page says so: sending the browser on to the provider would log it
    // straight back in while the provider's own session lasts.
    if (!options.oidc || request.query.done === 'logged-out') return showLogin(reply, next, undefined, 200, request.query.done === 'logged-out');
    try {
      const { url, pending } = await options.oidc.begin(`${options.publicBase()}/login/callback`, next);
      void reply.setCookie(PENDING_COOKIE, JSON.stringify(pending), cookie);
      return goTo(reply, url);
    } catch (error) {
      if (!(error instanceof LoginError)) throw error;
      options.logger.error({ err: error }, 'login could not start');
      return showLogin(reply, next, error.message, 502);
    }
  });

  app.get('/login/callback', async (request, reply) => {
    if (!options.oidc) return goTo(reply, '/login');
    const signed = request.cookies[PENDING_COOKIE];
    const unsigned = signed ? request.unsignCookie(signed) : undefined;
    let pending: unknown;
    try {
      pending = unsigned?.valid && unsigned.value ? JSON.parse(unsigned.value) : undefined;
    } catch {
      pending = undefined;
    }
    void reply.clearCookie(PENDING_COOKIE, { path: '/login' });
    if (!isPending(pending)) {
      return sendPage(reply, loginPage({ mode: 'oidc', formToken: '', next: '/settings', error: 'This login took longer than 10 minutes or the browser kept no cookie for it: log in again.' }), 400);
    }
    try {
      const identity = await options.oidc.finish(new URL(request.url, options.publicBase()), pending);
      if (!isAccountName(identity.username)) throw new LoginError(`the provider's account name ${JSON.stringify(String(identity.username).slice(0, 64))} is not one Tidings takes (letters, digits, . _ -)`);
      await openSession(reply, identity.username, 'oidc', identity.verifiedEmail);
      return goTo(reply, safeNext(pending.next));
    } catch (error) {
      if (!(error instanceof LoginError)) throw error;
      options.logger.warn({ err: error }, 'login refused');
      const refused = typeof (request.query as Record<string, unknown>)['error'] === 'string';
      return sendPage(reply, loginPage({ mode: 'oidc', formToken: '', next: '/settings', error: error.message }), refused ? 400 : 502);
    }
  });

  app.post('/login/dev', { bodyLimit: 8 * 1024 }, async (request, reply) => {
    const form = formOf(request.body);
    const next = safeNext(fieldOf(form, 'next'));
    if (!options.devLogin || options.oidc) return showLogin(reply, next, 'The development login is off on this server.', 403);
    // The form's token must match its cookie: another site cannot log a browser in as someone else.
    const signed = request.cookies[FORM_COOKIE];
    const expected = signed ? request.unsignCookie(signed) : undefined;
    if (!expected?.valid || !expected.value || !sameToken(fieldOf(form, '_login'), expected.value)) {
      return showLogin(reply, next, 'This login form expired: try again.', 403);
    }
    const user = fieldOf(form, 'username').trim();
    if (!isAccountName(user)) return showLogin(reply, next, 'An account name is letters, digits, ".", "_" and "-", at most 64.', 400);
    void reply.clearCookie(FORM_COOKIE, { path: '/login' });
    await openSession(reply, user, 'dev', null);
    return goTo(reply, next);
  });

  app.post('/logout', { bodyLimit: 8 * 1024 }, async (request, reply) => {
    const session = await guard.sessionOf(request);
    if (session) {
      await guard.requireForChange(request, fieldOf(formOf(request.body), '_csrf'));
      await guard.logOut(request, reply);
    }
    return goTo(reply, '/login?done=logged-out');
  });
}
