/** The login page: the local development login's form, or why no login is possible here. */
import { html } from '../html.js';
import { page, type PageContext } from '../layout.js';

export interface LoginModel {
  /** How this server logs people in: its OpenID provider, the local development form, or not at all. */
  readonly mode: 'oidc' | 'dev' | 'none';
  /** Just logged out: say so rather than send the browser straight back to the provider. */
  readonly loggedOut?: boolean;
  /** The login form's anti-forgery token (a login must not be planted by another site). */
  readonly formToken: string;
  readonly next: string;
  readonly error?: string | undefined;
}

export function loginPage(model: LoginModel): string {
  const context: PageContext = { user: null, isAdmin: false, csrf: '', devLogin: model.mode === 'dev' };
  const again = `/login?next=${encodeURIComponent(model.next)}`;
  const body =
    model.mode === 'oidc'
      ? html`<p>${model.loggedOut ? 'You are logged out of Tidings. Your provider may still remember you: log out there too on a shared computer.' : 'Tidings logs you in with your account provider.'}</p>
<div class="actions"><a class="button" id="login" href="${again}">Log in${model.loggedOut ? ' again' : ''}</a></div>`
      : model.mode === 'dev'
        ? html`${model.loggedOut ? html`<p>You are logged out.</p>` : ''}<form method="post" action="/login/dev"><form method="post" action="/login/dev">
<input type="hidden" name="_login" value="${model.formToken}"><input type="hidden" name="next" value="${model.next}">
<label for="username">Account name</label><input type="text" id="username" name="username" required maxlength="64" autocomplete="username">
<p class="hint">No password: this login is for trying Tidings out on your own machine.</p>
<div class="actions"><button type="submit" id="login">Log in</button></div></form>`
        : html`<p>This server has no login configured. Its operator sets <code>notify.auth.oidc_issuer</code> (and the client ID and secret) to log in with OpenID Connect, or <code>notify.auth.dev_login = true</code> for a local development login.</p>`;
  return page(context, 'Log in', body, { error: model.error });
}

export function errorPage(context: PageContext, title: string, message: string): string {
  return page(context, title, html`<p><a href="/settings">Back to the settings</a></p>`, { error: message });
}
