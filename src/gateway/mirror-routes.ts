/** GET /api/v1/mirrors: every mirror's state, serial, lag behind the master and last failure. */
import type { FastifyInstance } from 'fastify';
import type { MirrorStatusBoard } from '../mirror/index.js';

export interface MirrorRouteOptions {
  readonly board: MirrorStatusBoard;
}

export function registerMirrorRoutes(app: FastifyInstance, options: MirrorRouteOptions): void {
  app.get('/api/v1/mirrors', async (request) => {
    const { module } = request.query as { module?: string };
    const snapshot = options.board.snapshot();
    if (module === undefined) return snapshot;
    return { masters: snapshot.masters.filter((m) => m.module === module), mirrors: snapshot.mirrors.filter((m) => m.module === module) };
  });
}
