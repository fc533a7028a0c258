import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';

/** Observes every response, 404s and problems included; unknown URLs share one route label so they cannot flood Prometheus. */
export function measureRequests(fastify: FastifyInstance, metrics: Metrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
