import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The API's own metrics (names and labels are listed in docs/operations.md); the Redis state
 * gauges, read at scrape time, are registered on this registry by redis-state.ts.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'journal_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status: time from arrival to the last byte sent',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly redisDuration = new Histogram({
    name: 'journal_redis_command_duration_seconds',
    help: 'Redis commands by client (writer: the primary, reader: the replicas) and command, failed ones included',
    labelNames: ['client', 'command'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly redisErrors = new Counter({
    name: 'journal_redis_command_errors_total',
    help: 'Redis commands that failed (error reply, timeout, or no connection) by client and command',
    labelNames: ['client', 'command'] as const,
    registers: [this.registry],
  });

  /** Never a token, a digest or a name in a label: only why. */
  readonly authFailures = new Counter({
    name: 'journal_auth_failures_total',
    help: 'Failed authentications (writes and GET /api/auth/me) by reason: missing (no token), invalid_request (malformed), invalid_token (unknown), blocked (too many failures)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly searchUnindexed = new Gauge({
    name: 'journal_search_unindexed_entries',
    help: 'Entries waiting for the search index (the queue as this pod last saw it): every search reads them one by one',
    registers: [this.registry],
  });

  constructor() {
    // process_* and nodejs_* (CPU, memory, event loop lag, GC) under their standard names, so stock dashboards work.
    collectDefaultMetrics({ register: this.registry });
  }
}
