/** The web inbox: newest first, unread marked, each with why it came; pages back with ?before=. */
import type { InboxPage } from '../../notify/index.js';
import { html } from '../html.js';
import { csrfField, page, type PageContext } from '../layout.js';

export function inboxPage(context: PageContext, inbox: InboxPage, options: { pageSize: number; notice?: string | undefined; feedUrl: string }): string {
  const entries = inbox.entries.map((entry) => {
    const n = entry.notification;
    return html`<li class="${entry.readAt === null ? 'unread' : 'read'}">
${entry.readAt === null ? html`<span class="tag">new</span> ` : null}<span class="muted">${n.sentAt.replace('T', ' ').slice(0, 16)}</span> <span class="tag">${n.app}</span>
${n.url ? html`<a href="${n.url}">${n.summary}</a>` : n.summary}
<br><span class="hint">because ${n.reasons.map((reason) => `${reason.because} — rule "${reason.ruleName}"`).join('; ')}</span></li>`;
  });
  const oldest = inbox.entries.at(-1);
  const body = html`<p>${inbox.unread} unread. <a href="${options.feedUrl}">Atom feed</a></p>
${inbox.unread > 0 ? html`<form method="post" action="/inbox/read" class="actions">${csrfField(context)}<button type="submit" class="secondary">Mark all read</button></form>` : null}
${inbox.entries.length ? html`<ol class="preview" id="inbox">${entries}</ol>` : html`<p class="muted">Nothing here yet.</p>`}
${oldest && inbox.entries.length >= options.pageSize ? html`<p><a href="/inbox?before=${oldest.createdAt}">Older</a></p>` : null}`;
  return page(context, 'Inbox', body, { notice: options.notice });
}
