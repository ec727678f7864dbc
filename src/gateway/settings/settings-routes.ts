/**
 * The notification settings API, for the person logged in (a session cookie; changes also carry the
 * session's CSRF token in `x-csrf-token`, which GET /api/v1/notify/me gives):
 *
 *   GET    /api/v1/notify/me                              who I am, my feed URL, the CSRF token
 *   GET    /api/v1/notify/rules            POST …         my rules; a new one (201)
 *   GET    /api/v1/notify/rules/:id        PATCH, DELETE  one rule; change fields; delete (204)
 *   POST   /api/v1/notify/preview                         what a rule (as entered) would have sent in 7 days
 *   GET    /api/v1/notify/destinations     POST …         my destinations; a new one, sent its code (201)
 *   GET    /api/v1/notify/destinations/:id PATCH, DELETE  one; change delivery, `disabled`, `paused: false`
 *   POST   /api/v1/notify/destinations/:id/verify         {"code"}: confirm it
 *   POST   /api/v1/notify/destinations/:id/resend         a new code
 *   GET    /api/v1/notify/inbox                           ?limit=&before=&unread=1
 *   POST   /api/v1/notify/inbox/read                      {"ids": […]} or {"all": true}
 *   GET    /api/v1/notify/admin/rules                     admins: everyone's rules (?owner=)
 *   POST   /api/v1/notify/admin/rules/:id/disable|enable  admins: {"reason"} the owner sees
 *
 * Only owners reach their rules and destinations: the store checks every id against the session's
 * account, and another person's id answers 403 without saying what it holds.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NotifySettings } from '../../notify/index.js';
import type { SessionGuard } from '../session/index.js';
import { errorReply, SettingsInputError } from './error-reply.js';

export interface SettingsRouteOptions {
  readonly settings: NotifySettings;
  readonly guard: SessionGuard;
}

const BODY_LIMIT = 64 * 1024;
const PREFIX = '/api/v1/notify';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const record = (body: unknown): Record<string, unknown> => (typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {});

function wholeNumber(value: unknown, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max) throw new SettingsInputError(`${name} must be a whole number from 1 to ${max}`);
  return number;
}

export function registerSettingsRoutes(app: FastifyInstance, options: SettingsRouteOptions): void {
  const { settings, guard } = options;
  const store = settings.store;

  void app.register(async (scope) => {
    scope.setErrorHandler((error, request, reply) => {
      const known = errorReply(error);
      if (known) return reply.code(known.status).send(known.body);
      request.log.error({ err: error }, 'settings request failed');
      return reply.code(500).send({ error: 'internal error (logged on the server)' });
    });
    const who = async (request: FastifyRequest): Promise<string> => (await guard.require(request)).user;
    const changer = async (request: FastifyRequest): Promise<string> => (await guard.requireForChange(request)).user;
    const route = { bodyLimit: BODY_LIMIT };

    scope.get(`${PREFIX}/me`, async (request) => {
      const session = await guard.require(request);
      return { ...(await settings.me(session.user)), csrf: session.csrf, loggedInVia: session.via, sessionExpiresAt: session.expiresAt };
    });

    // ---- rules ----
    scope.get(`${PREFIX}/rules`, async (request) => ({ rules: await settings.rules(await who(request)) }));
    scope.post(`${PREFIX}/rules`, route, async (request, reply) => reply.code(201).send(await store.createRule(await changer(request), request.body)));
    scope.get(`${PREFIX}/rules/:id`, async (request: IdRequest) => store.getRule(await who(request), request.params.id));
    scope.patch(`${PREFIX}/rules/:id`, route, async (request: IdRequest) => store.updateRule(await changer(request), request.params.id, record(request.body)));
    scope.delete(`${PREFIX}/rules/:id`, async (request: IdRequest, reply) => {
      await store.deleteRule(await changer(request), request.params.id);
      return reply.code(204).send();
    });
    // A preview changes nothing, but takes a body and some work: it is a POST with the CSRF token.
    scope.post(`${PREFIX}/preview`, route, async (request) => settings.preview(await changer(request), request.body));

    // ---- destinations ----
    scope.get(`${PREFIX}/destinations`, async (request) => ({ destinations: await settings.destinations(await who(request)), kinds: settings.kinds }));
    scope.post(`${PREFIX}/destinations`, route, async (request, reply) => {
      const { destination, code } = await settings.addDestination(await changer(request), request.body);
      return reply.code(201).send({ destination, code });
    });
    scope.get(`${PREFIX}/destinations/:id`, async (request: IdRequest) => store.getDestination(await who(request), request.params.id));
    scope.patch(`${PREFIX}/destinations/:id`, route, async (request: IdRequest) => {
      const user = await changer(request);
      const { disabled, paused, ...rest } = record(request.body);
      const id = request.params.id;
      if (disabled !== undefined && typeof disabled !== 'boolean') throw new SettingsInputError('disabled must be true or false');
      if (paused !== undefined && paused !== false) throw new SettingsInputError('paused can only be set to false (a destination is paused by delivery, not by hand: use disabled)');
      let destination = await store.getDestination(user, id);
      if (Object.keys(rest).length > 0) destination = await store.updateDestination(user, id, rest);
      if (disabled !== undefined) destination = await store.setDestinationDisabled(user, id, disabled);
      if (paused === false) destination = await store.resumeDestination(user, id);
      return destination;
    });
    scope.delete(`${PREFIX}/destinations/:id`, async (request: IdRequest, reply) => {
      await store.deleteDestination(await changer(request), request.params.id);
      return reply.code(204).send();
    });
    scope.post(`${PREFIX}/destinations/:id/verify`, route, async (request: IdRequest) => {
      const code = record(request.body)['code'];
      if (typeof code !== 'string') throw new SettingsInputError('send the code as {"code": "…"}');
      return store.verifyDestination(await changer(request), request.params.id, code);
    });
    scope.post(`${PREFIX}/destinations/:id/resend`, async (request: IdRequest) => ({ code: await settings.resendCode(await changer(request), request.params.id) }));

    // ---- inbox ----
    scope.get(`${PREFIX}/inbox`, async (request: FastifyRequest<{ Querystring: { limit?: string; before?: string; unread?: string } }>) => {
      const user = await who(request);
      const limit = wholeNumber(request.query.limit, 'limit', 200);
      const before = wholeNumber(request.query.before, 'before', Number.MAX_SAFE_INTEGER);
      return settings.inbox(user, { ...(limit ? { limit } : {}), ...(before ? { before } : {}), unreadOnly: request.query.unread === '1' || request.query.unread === 'true' });
    });
    scope.post(`${PREFIX}/inbox/read`, route, async (request) => {
      const user = await changer(request);
      const body = record(request.body);
      const ids = body['all'] === true ? 'all' : body['ids'];
      if (ids !== 'all' && !(Array.isArray(ids) && ids.length <= 1_000 && ids.every((id) => typeof id === 'string'))) {
        throw new SettingsInputError('send {"ids": ["message id", …]} (at most 1000) or {"all": true}');
      }
      return { marked: await settings.markRead(user, ids as string[] | 'all') };
    });

    // ---- admins ----
    scope.get(`${PREFIX}/admin/rules`, async (request: FastifyRequest<{ Querystring: { owner?: string } }>) => {
      const user = await who(request);
      return { rules: await store.adminListRules(user, request.query.owner ? { owner: request.query.owner } : {}) };
    });
    const adminSwitch = (disable: boolean) => async (request: IdRequest, reply: FastifyReply) => {
      const user = await changer(request);
      const reason = record(request.body)['reason'];
      if (disable && typeof reason !== 'string') throw new SettingsInputError('say why: {"reason": "…"} (the owner sees it)');
      await store.adminDisableRule(user, request.params.id, disable ? (reason as string) : null);
      return reply.code(204).send();
    };
    scope.post(`${PREFIX}/admin/rules/:id/disable`, route, adminSwitch(true));
    scope.post(`${PREFIX}/admin/rules/:id/enable`, route, adminSwitch(false));
  });
}
