/**
 * A person's web inbox as an Atom feed, for feed readers (which cannot log in): GET
 * /notify/feed/<user>.atom?token=T, where T is the user's feed token (an HMAC of the name under the
 * server's secret, shown in their settings). Newest 50 entries; everything escaped.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { feedToken, sameToken, type InboxStore, type LinkBuilder } from '../notify/index.js';

export interface FeedRouteOptions {
  readonly inbox: InboxStore;
  readonly links: LinkBuilder;
  readonly secret: Buffer;
}

const xml = (value: string): string =>
  // XML 1.0 forbids most control characters even escaped: they are dropped.
  // eslint-disable-next-line no-control-regex
  value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

export function registerFeedRoutes(app: FastifyInstance, options: FeedRouteOptions): void {
  app.get('/notify/feed/:file', async (request: FastifyRequest<{ Params: { file: string }; Querystring: { token?: string } }>, reply) => {
    const user = /^(.+)\.atom$/.exec(request.params.file)?.[1];
    if (!user || !sameToken(request.query.token ?? '', feedToken(options.secret, user))) {
      return reply.code(403).send({ error: 'this feed link is not valid: copy it again from your notification settings' });
    }
    const { entries } = await options.inbox.list(user, { limit: 50 });
    const updated = new Date(entries[0]?.createdAt ?? Date.now()).toISOString();
    const items = entries.map(({ notification: n, createdAt }) => {
      const reason = n.reasons[0] ? `because ${n.reasons[0].because} — rule "${n.reasons[0].ruleName}"` : '';
      return [
        '<entry>',
        `<id>urn:tidings:message:${xml(n.messageId)}</id>`,
        `<title>${xml(`[${n.app}] ${n.summary}`)}</title>`,
        `<updated>${new Date(createdAt).toISOString()}</updated>`,
        `<published>${xml(n.sentAt)}</published>`,
        n.url ? `<link rel="alternate" href="${xml(n.url)}"/>` : '',
        `<category term="${xml(n.app)}"/>`,
        `<summary>${xml(reason)}</summary>`,
        '</entry>',
      ].join('');
    });
    const self = `${options.links.settings.replace(/\/settings$/, '')}/notify/feed/${encodeURIComponent(user)}.atom`;
    const body = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<feed xmlns="http://www.w3.org/2005/Atom">',
      `<id>urn:tidings:inbox:${xml(user)}</id>`,
      `<title>${xml(`Tidings notifications for ${user}`)}</title>`,
      `<updated>${updated}</updated>`,
      `<link rel="self" href="${xml(self)}"/>`,
      `<link rel="alternate" href="${xml(options.links.settings)}"/>`,
      `<author><name>Tidings</name></author>`,
      ...items,
      '</feed>',
    ].join('\n');
    return reply.type('application/atom+xml; charset=utf-8').send(body);
  });
}
