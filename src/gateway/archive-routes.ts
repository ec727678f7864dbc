/**
 * datagrepper's HTTP API over the archive (shared/WIRE.md): `/raw`, `/v2/search`, `/id`, `/v2/id`,
 * `/messagecount`, and `/v2/counts` (messages per time bucket, for charts). Scripts written for
 * datagrepper work by changing only the base URL. Every answer is bounded in time and rows.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SchemaRegistry } from '../message/index.js';
import {
  legacyForm,
  messageForm,
  parseQuery,
  QueryParameterError,
  type ArchiveQueries,
  type QueryRequest,
} from '../archive/index.js';

export interface ArchiveRouteOptions {
  readonly queries: ArchiveQueries;
  readonly registry: SchemaRegistry;
  /** Milliseconds a query without start/delta looks back. */
  readonly defaultWindowMs: number;
}

const BUCKETS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 };
const MAX_BUCKETS = 1_000;

function searchParams(request: FastifyRequest): URLSearchParams {
  const url = request.raw.url ?? '';
  const question = url.indexOf('?');
  return new URLSearchParams(question === -1 ? '' : url.slice(question + 1));
}

function badRequest(reply: FastifyReply, error: unknown, params: URLSearchParams): FastifyReply {
  const argumentsEchoed: Record<string, string[]> = {};
  for (const key of new Set(params.keys())) argumentsEchoed[key] = params.getAll(key).map((value) => value.slice(0, 200));
  const message = error instanceof Error ? error.message : String(error);
  return reply.code(400).send({ error: message, ...(error instanceof QueryParameterError ? { argument: error.argument } : {}), arguments: argumentsEchoed });
}

export function registerArchiveRoutes(app: FastifyInstance, options: ArchiveRouteOptions): void {
  const { queries, registry } = options;

  const parse = (params: URLSearchParams): QueryRequest => parseQuery(params, { now: Date.now(), defaultWindowMs: options.defaultWindowMs });

  const search = (form: typeof legacyForm) => async (request: FastifyRequest, reply: FastifyReply) => {
    const params = searchParams(request);
    let query: QueryRequest;
    try {
      query = parse(params);
    } catch (error) {
      return badRequest(reply, error, params);
    }
    const result = await queries.search(query);
    return {
      raw_messages: result.messages.map((message) => form(message, query.meta, registry)),
      count: result.messages.length,
      pages: Math.ceil(result.total / query.rowsPerPage),
      total: result.total,
      total_is_estimate: result.totalIsEstimate,
      arguments: query.arguments,
    };
  };
  app.get('/raw', search(legacyForm));
  app.get('/v2/search', search(messageForm));

  const byId = (form: typeof legacyForm) => async (request: FastifyRequest, reply: FastifyReply) => {
    const params = searchParams(request);
    const id = params.get('id');
    if (!id) return badRequest(reply, new QueryParameterError('id', 'id is required: /id?id=<message id>'), params);
    const message = await queries.byId(id);
    if (!message) return reply.code(404).send({ error: `no message with id ${JSON.stringify(id.slice(0, 100))} in the archive`, arguments: { id } });
    return form(message, params.getAll('meta'), registry);
  };
  app.get('/id', byId(legacyForm));
  app.get('/v2/id', byId(messageForm));

  app.get('/messagecount', async () => ({ messagecount: await queries.messageCount() }));

  app.get('/v2/counts', async (request, reply) => {
    const params = searchParams(request);
    const bucketName = params.get('bucket') ?? 'hour';
    params.delete('bucket');
    let query: QueryRequest;
    try {
      const bucket = BUCKETS[bucketName];
      if (!bucket) throw new QueryParameterError('bucket', `bucket must be one of ${Object.keys(BUCKETS).join(', ')}, got ${JSON.stringify(bucketName.slice(0, 20))}`);
      query = parse(params);
      if ((query.end - query.start) / bucket > MAX_BUCKETS) {
        throw new QueryParameterError('bucket', `that window has more than ${MAX_BUCKETS} ${bucketName}s: use a larger bucket or a shorter window`);
      }
      const counts = await queries.countsOverTime(query, bucket);
      return { bucket: bucketName, counts, arguments: query.arguments };
    } catch (error) {
      if (error instanceof QueryParameterError) return badRequest(reply, error, params);
      throw error;
    }
  });
}
