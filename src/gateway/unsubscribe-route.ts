/**
 * One-click unsubscribe (RFC 8058), the link every notification email carries in List-Unsubscribe:
 * POST /notify/unsubscribe/<destination>?token=T (what mail clients send, with the body
 * `List-Unsubscribe=One-Click`) disables that destination at once; GET shows the same as a page
 * with a button, for people who open the link. No login: the token, an HMAC of the destination
 * under the server's secret, is the proof. Disabling is undone in the settings.
 */
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LinkBuilder, NotifyStore } from '../notify/index.js';

export interface UnsubscribeRouteOptions {
  readonly store: NotifyStore;
  readonly links: LinkBuilder;
}

const escape = (value: string): string => value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}</body></html>`;
}

type Request = FastifyRequest<{ Params: { id: string }; Querystring: { token?: string } }>;

export function registerUnsubscribeRoutes(app: FastifyInstance, options: UnsubscribeRouteOptions): void {
  void app.register(async (scope) => {
    await scope.register(formbody, { bodyLimit: 1024 });
    const check = async (request: Request, reply: FastifyReply) => {
      const { id } = request.params;
      const token = request.query.token ?? '';
      const destination = options.links.isUnsubscribeToken(id, token) ? await options.store.destinationById(id) : undefined;
      if (!destination) {
        await reply.code(403).type('text/html; charset=utf-8').send(page('This link does not work', '<p>The unsubscribe link is not valid (it may be cut short). Change your notifications in the settings.</p>'));
        return null;
      }
      return destination;
    };
    scope.get('/notify/unsubscribe/:id', async (request: Request, reply) => {
      const destination = await check(request, reply);
      if (!destination) return reply;
      const action = `/notify/unsubscribe/${encodeURIComponent(destination.id)}?token=${encodeURIComponent(request.query.token ?? '')}`;
      const state = destination.disabled ? '<p>It is already stopped.</p>' : `<form method="post" action="${escape(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Stop notifications</button></form>`;
      return reply
        .type('text/html; charset=utf-8')
        .send(page('Stop notifications', `<p>Stop every notification to <strong>${escape(destination.address || destination.label)}</strong>?</p>${state}<p><a href="${escape(options.links.settings)}">Your notification settings</a></p>`));
    });
    scope.post('/notify/unsubscribe/:id', async (request: Request, reply) => {
      const destination = await check(request, reply);
      if (!destination) return reply;
      if (!destination.disabled) await options.store.setDestinationDisabled(destination.owner, destination.id, true);
      request.log.info({ destination: destination.id, owner: destination.owner }, 'destination unsubscribed by its link');
      return reply.type('text/html; charset=utf-8').send(page('Notifications stopped', `<p>Nothing more goes to <strong>${escape(destination.address || destination.label)}</strong>. You can turn it on again in <a href="${escape(options.links.settings)}">your settings</a>.</p>`));
    });
  });
}
