/** What can go wrong with logging in and sessions, one class per condition. */
import { TidingsError } from '../../message/index.js';

/** No login, or one that expired: the API answers 401, pages send the person to /login. */
export class NotLoggedInError extends TidingsError {
  readonly code = 'NOT_LOGGED_IN';
}

/** A change without the session's CSRF token: a form of another site, or a stale page. */
export class CsrfError extends TidingsError {
  readonly code = 'CSRF_TOKEN_INVALID';
}

/** The login provider could not be reached, refused the login, or gave no usable account name. */
export class LoginError extends TidingsError {
  readonly code = 'LOGIN_FAILED';
}
