/**
 * Liveness and readiness. Live: the process answers. Ready: every registered check passes (the
 * broker is open, the database answers…), so a load balancer or a script knows when to send work.
 */
import type { FastifyInstance } from 'fastify';

export interface ReadinessCheck {
  readonly name: string;
  /** True when the part is ready; a throw or false means not ready (the message is shown). */
  check(): boolean | Promise<boolean>;
}

export function registerHealthRoutes(app: FastifyInstance, checks: readonly ReadinessCheck[]): void {
  app.get('/healthz/live', async () => ({ status: 'live' }));

  app.get('/healthz/ready', async (_request, reply) => {
    const results: Record<string, string> = {};
    let ready = true;
    for (const { name, check } of checks) {
      try {
        const ok = await check();
        results[name] = ok ? 'ok' : 'not ready';
        ready &&= ok;
      } catch (error) {
        results[name] = error instanceof Error ? error.message : String(error);
        ready = false;
      }
    }
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
  });
}
