/**
 * The operators' JSON API on serve's port, under /api/v1/manage, and Prometheus' /metrics.
 * Reading the bus's state is open; looking inside messages and every change need a bearer token of
 * an identity with the operator or admin role (manage.operators / manage.admins), and are audited.
 *
 *   GET    /api/v1/manage/status                      summary, alerts, advice, queues worst first, connections
 *   GET    /api/v1/manage/snapshot                    the whole object model
 *   GET    /api/v1/manage/alerts                      active alerts
 *   GET    /api/v1/manage/queues/:queue               one queue, its bindings, consumers and alerts
 *   GET    /api/v1/manage/queues/:queue/dead-letters  peek (?limit=), decoded by schema
 *   GET    /api/v1/manage/queues/:queue/dead-letters/export   JSON Lines, one dead letter a line
 *   POST   /api/v1/manage/queues/:queue/dead-letters/retry    {"all":true} | {"count":N} | {"ids":[…]}
 *   POST   /api/v1/manage/queues/:queue/dead-letters/discard  same selections
 *   POST   /api/v1/manage/queues/:queue/purge         {"all":true} | {"count":N}
 *   POST   /api/v1/manage/queues/:queue/move          {"to":"other", "all":true} | {"to":…, "count":N}
 *   DELETE /api/v1/manage/queues/:queue?if_empty=true&if_unused=true
 *   POST   /api/v1/manage/connections/:name/close     {"reason":"…"}
 *   GET    /api/v1/manage/audit                       ?limit=&before=
 *   GET    /metrics
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SchemaRegistry } from '../message/index.js';
import {
  ManageForbiddenError,
  ManageNotFoundError,
  ManageRefusedError,
  ManageUnavailableError,
  QUEUE_SORTS,
  describeDeadLetter,
  sortQueues,
  type ManageService,
  type QueueSort,
  type Selection,
} from '../manage/index.js';
import type { Authenticator } from './authenticate.js';

export interface ManageRouteOptions {
  readonly service: ManageService;
  readonly authenticator: Authenticator;
  readonly registry: SchemaRegistry;
}

const PEEK_LIMIT = { default: 20, max: 1_000 } as const;
const EXPORT_LIMIT = { default: 10_000, max: 100_000 } as const;

/** A request the route cannot take: 400 with what to send instead. */
class ManageInputError extends Error {
  readonly statusCode = 400;
}

export function registerManageRoutes(app: FastifyInstance, options: ManageRouteOptions): void {
  const { service, authenticator, registry } = options;
  const caller = async (request: FastifyRequest): Promise<string | null> => {
    const header = request.headers.authorization;
    if (header === undefined) return null;
    const identity = await authenticator.identify(header);
    if (!identity) throw new ManageForbiddenError('the bearer token is not valid (wrong, malformed or revoked): ask for a new one (tidings identity create)');
    return identity.name;
  };
  const answer = async <T>(reply: FastifyReply, work: () => Promise<T>): Promise<T | FastifyReply> => {
    try {
      return await work();
    } catch (error) {
      const status = statusOf(error);
      if (status === undefined) throw error;
      return reply.code(status).send({ error: (error as Error).message, code: (error as { code?: string }).code });
    }
  };
  type QueueParams = { Params: { queue: string } };

  app.get('/api/v1/manage/status', async (request, reply) =>
    answer(reply, async () => {
      const { sort } = request.query as { sort?: string };
      const report = await service.status();
      if (sort === undefined || sort === 'worst') return report;
      if (!(QUEUE_SORTS as readonly string[]).includes(sort)) throw new ManageInputError(`sort must be one of ${QUEUE_SORTS.join(', ')}`);
      return { ...report, queues: sortQueues(report.queues, sort as QueueSort) };
    }),
  );
  app.get('/api/v1/manage/snapshot', async (_request, reply) => answer(reply, () => service.snapshot()));
  app.get('/api/v1/manage/alerts', async () => ({ alerts: service.activeAlerts() }));

  app.get<QueueParams>('/api/v1/manage/queues/:queue', async (request, reply) =>
    answer(reply, async () => {
      const name = request.params.queue;
      const snapshot = await service.snapshot();
      const queue = snapshot.queues.find((q) => q.name === name);
      if (!queue) throw new ManageNotFoundError(`there is no queue "${name}" on ${snapshot.node.name}`);
      return {
        queue,
        bindings: snapshot.bindings.filter((binding) => binding.queue === name),
        consumers: snapshot.consumers.filter((consumer) => consumer.queue === name),
        alerts: service.activeAlerts().filter((alert) => alert.subjectType === 'queue' && alert.subject === name),
      };
    }),
  );

  app.get<QueueParams>('/api/v1/manage/queues/:queue/dead-letters', async (request, reply) =>
    answer(reply, async () => {
      const limit = boundedInteger((request.query as { limit?: string }).limit, 'limit', PEEK_LIMIT);
      const queue = request.params.queue;
      const letters = await service.act({ caller: await caller(request), action: 'dead-letters.peek', target: queue, detail: { limit } }, (source) =>
        source.peekDeadLetters(queue, limit),
      );
      return { queue, deadLetters: letters.map((letter) => describeDeadLetter(letter, registry)) };
    }),
  );

  app.get<QueueParams>('/api/v1/manage/queues/:queue/dead-letters/export', async (request, reply) => {
    const result = await answer(reply, async () => {
      const limit = boundedInteger((request.query as { limit?: string }).limit, 'limit', EXPORT_LIMIT);
      const queue = request.params.queue;
      return service.act({ caller: await caller(request), action: 'dead-letters.export', target: queue, detail: { limit } }, (source) => source.peekDeadLetters(queue, limit));
    });
    if (!Array.isArray(result)) return result;
    const lines = result.map((letter) => JSON.stringify(describeDeadLetter(letter, registry)));
    return reply
      .type('application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="${request.params.queue.replace(/[^A-Za-z0-9._-]/g, '_')}.dead-letters.jsonl"`)
      .send(lines.length ? `${lines.join('\n')}\n` : '');
  });

  for (const verb of ['retry', 'discard'] as const) {
    app.post<QueueParams>(`/api/v1/manage/queues/:queue/dead-letters/${verb}`, async (request, reply) =>
      answer(reply, async () => {
        const selection = selectionOf(request.body, true);
        const queue = request.params.queue;
        return service.act({ caller: await caller(request), action: `dead-letters.${verb}`, target: queue, detail: { selection } }, (source) =>
          verb === 'retry' ? source.retryDeadLetters(queue, selection) : source.discardDeadLetters(queue, selection),
        );
      }),
    );
  }

  app.post<QueueParams>('/api/v1/manage/queues/:queue/purge', async (request, reply) =>
    answer(reply, async () => {
      const selection = selectionOf(request.body, false) as { all: true } | { count: number };
      const queue = request.params.queue;
      return service.act({ caller: await caller(request), action: 'purge', target: queue, detail: { selection } }, (source) => source.purge(queue, selection));
    }),
  );

  app.post<QueueParams>('/api/v1/manage/queues/:queue/move', async (request, reply) =>
    answer(reply, async () => {
      const to = (request.body as { to?: unknown } | undefined)?.to;
      if (typeof to !== 'string' || to === '') throw new ManageInputError('say where to move the messages: {"to": "QUEUE", "all": true} or {"to": "QUEUE", "count": N}');
      const selection = selectionOf(request.body, false) as { all: true } | { count: number };
      const queue = request.params.queue;
      if (to === queue) throw new ManageInputError('a queue cannot be moved into itself: name another queue in "to"');
      return service.act({ caller: await caller(request), action: 'move', target: queue, detail: { to, selection } }, (source) => source.move(queue, to, selection));
    }),
  );

  app.delete<QueueParams>('/api/v1/manage/queues/:queue', async (request, reply) =>
    answer(reply, async () => {
      const query = request.query as { if_empty?: string; if_unused?: string };
      const guard = { ifEmpty: query.if_empty !== 'false', ifUnused: query.if_unused !== 'false' };
      if (!guard.ifEmpty && !guard.ifUnused) throw new ManageInputError('a queue is deleted only if empty or unused: keep if_empty or if_unused true');
      const queue = request.params.queue;
      await service.act({ caller: await caller(request), action: 'queue.delete', target: queue, detail: guard }, (source) => source.deleteQueue(queue, guard));
      return { deleted: queue };
    }),
  );

  app.post<{ Params: { name: string } }>('/api/v1/manage/connections/:name/close', async (request, reply) =>
    answer(reply, async () => {
      const reason = (request.body as { reason?: unknown } | undefined)?.reason;
      if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 200) {
        throw new ManageInputError('say why in {"reason": "…"} (1–200 characters): the client logs it');
      }
      const name = request.params.name;
      await service.act({ caller: await caller(request), action: 'connection.close', target: name, detail: { reason } }, (source) => source.closeConnection(name, reason));
      return { closed: name };
    }),
  );

  app.get('/api/v1/manage/audit', async (request, reply) =>
    answer(reply, async () => {
      const query = request.query as { limit?: string; before?: string };
      const limit = boundedInteger(query.limit, 'limit', { default: 100, max: 1_000 });
      const before = query.before === undefined ? undefined : boundedInteger(query.before, 'before', { default: 0, max: Number.MAX_SAFE_INTEGER });
      return { records: await service.auditTrail(limit, before) };
    }),
  );

  app.get('/metrics', async (_request, reply) =>
    answer(reply, async () => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await service.metrics())),
  );
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof ManageInputError) return 400;
  if (error instanceof ManageForbiddenError) return 403;
  if (error instanceof ManageNotFoundError) return 404;
  if (error instanceof ManageRefusedError) return 409;
  if (error instanceof ManageUnavailableError) return 503;
  return undefined;
}

/** `{"all":true}`, `{"count":N}` or (for dead letters) `{"ids":[…]}`: exactly one. */
function selectionOf(body: unknown, idsAllowed: boolean): Selection {
  const shapes = idsAllowed ? '{"all": true}, {"count": N} or {"ids": ["…"]}' : '{"all": true} or {"count": N}';
  const given = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const chosen = ['all', 'count', 'ids'].filter((key) => given[key] !== undefined);
  if (chosen.length !== 1) throw new ManageInputError(`say which messages, with exactly one of ${shapes}`);
  if (given['all'] !== undefined) {
    if (given['all'] !== true) throw new ManageInputError(`"all" must be true; to take some, send ${shapes}`);
    return { all: true };
  }
  if (given['count'] !== undefined) {
    const count = given['count'];
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1_000_000) throw new ManageInputError('"count" must be a whole number from 1 to 1,000,000');
    return { count };
  }
  const ids = given['ids'];
  if (!idsAllowed) throw new ManageInputError(`this action takes ${shapes}`);
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 10_000 || !ids.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 200)) {
    throw new ManageInputError('"ids" must be a list of 1 to 10,000 message ids');
  }
  return { ids: ids as string[] };
}

function boundedInteger(raw: string | undefined, name: string, bounds: { default: number; max: number }): number {
  if (raw === undefined) return bounds.default;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > bounds.max) throw new ManageInputError(`${name} must be a whole number from 1 to ${bounds.max}`);
  return value;
}
