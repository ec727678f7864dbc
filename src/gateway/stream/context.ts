/** What both stream endpoints share: the hub, the archive to resume from, the limits, open connections. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { TidingsError } from '../../message/index.js';
import type { StreamHub } from './hub.js';
import type { StreamLimits } from './client.js';
import type { ResumeSource } from './resume.js';

/** An open stream connection, as the routes' housekeeping sees it. */
export interface StreamConnection {
  /** Keeps proxies from closing an idle connection. */
  heartbeat(): void;
  /** Ends it, saying why. */
  close(error: TidingsError): void;
}

export interface StreamContext {
  readonly hub: StreamHub;
  /** Absent when serve keeps no archive: then a resume is refused. */
  readonly resume: ResumeSource | undefined;
  readonly limits: StreamLimits;
  readonly logger: Logger;
  readonly connections: Set<StreamConnection>;
}

/** The query string as given, repeated names and all (fastify's parsed query folds them). */
export function searchParams(request: FastifyRequest): URLSearchParams {
  const url = request.raw.url ?? '';
  const question = url.indexOf('?');
  return new URLSearchParams(question === -1 ? '' : url.slice(question + 1));
}

/** A refused request: 4xx/5xx with `{error, code}`. */
export function refuse(reply: FastifyReply, status: number, error: TidingsError): FastifyReply {
  return reply.code(status).send({ error: error.message, code: error.code });
}

/** Who is connected, for log lines. */
export function remoteOf(request: FastifyRequest): string {
  return `${request.ip}:${request.socket.remotePort ?? 0}`;
}
