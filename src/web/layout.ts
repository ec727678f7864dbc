/** The frame of every page: the header (who is logged in, the way out), banners, the main part. */
import { html, type Html, type HtmlValue } from './html.js';

export interface PageContext {
  /** The person logged in, or null on the login pages. */
  readonly user: string | null;
  readonly isAdmin: boolean;
  /** The session's CSRF token, for the forms of the page. */
  readonly csrf: string;
  /** The local development login is what admits people here: every page says so. */
  readonly devLogin: boolean;
}

export const DEV_LOGIN_BANNER = html`<div class="banner dev" role="note"><strong>Local development login.</strong> Anyone who reaches this server can log in as anyone. Set <code>notify.auth.oidc_issuer</code> for real use.</div>`;

/** A hidden field carrying the CSRF token: every form that changes something has one. */
export const csrfField = (context: PageContext): Html => html`<input type="hidden" name="_csrf" value="${context.csrf}">`;

export function page(context: PageContext, title: string, body: HtmlValue, banners: { error?: string | undefined; notice?: string | undefined } = {}): string {
  const nav = context.user
    ? html`<a href="/inbox">Inbox</a><a href="/settings">Settings</a>${context.isAdmin ? html`<a href="/admin/rules">Admin</a>` : null}
        <span class="muted">${context.user}</span>
        <form method="post" action="/logout">${csrfField(context)}<button class="secondary" type="submit">Log out</button></form>`
    : null;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Tidings</title><link rel="stylesheet" href="/static/tidings.css"></head>
<body><header><a class="brand" href="/settings">Tidings</a>${nav}</header>
<main>${context.devLogin ? DEV_LOGIN_BANNER : null}
${banners.error ? html`<div class="banner error" role="alert">${banners.error}</div>` : null}
${banners.notice ? html`<div class="banner notice" role="status">${banners.notice}</div>` : null}
<h1>${title}</h1>
${body}
</main></body></html>`.value;
}
