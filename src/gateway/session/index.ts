export { SessionStore } from './session-store.js';
export type { Session, LoginMethod } from './session-store.js';
export { SessionGuard, SESSION_COOKIE } from './session-guard.js';
export type { SessionCookieOptions } from './session-guard.js';
export { OidcLogin } from './oidc-login.js';
export type { OidcSettings, OidcIdentity, PendingLogin } from './oidc-login.js';
export { NotLoggedInError, CsrfError, LoginError } from './errors.js';
