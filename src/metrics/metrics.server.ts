import { createServer, type Server } from 'node:http';
import { ConfigError } from '../config/config-error.js';
import type { Metrics } from './metrics.js';

/**
 * /metrics on its own port (METRICS_PORT): the Gateway routes only the API's port, so scrapes stay
 * inside the cluster, and they are never logged, rate limited or counted as API traffic.
 */
export async function serveMetrics(metrics: Metrics, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at GET /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new ConfigError(`METRICS_PORT: port ${port} is already in use`) : error),
    );
    server.listen(port, host, resolve);
  });
  return server;
}
