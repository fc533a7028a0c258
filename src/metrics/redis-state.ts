import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';

interface PrimaryState {
  usedMemory: number;
  maxMemory: number;
  /** Replicas whose link is up (state=online), and how far the furthest one trails, in bytes. */
  replicas: number;
  replicaLagBytes: number;
}

/**
 * Redis as the API sees it, read when Prometheus scrapes (nothing runs in between): whether each
 * client is connected, and from the primary's INFO its memory against maxmemory and its linked
 * replicas. Every API pod reports the same primary, so alerts take the max over pods. While the
 * writer is not connected only journal_redis_connected is exported: no stale memory figures.
 */
export function registerRedisState(registry: Registry, writer: Redis, reader: Redis): void {
  // One INFO per scrape, however many gauges read it: prom-client starts every collect() of a
  // scrape at once, so they all find the first one's read in flight.
  let inFlight: Promise<PrimaryState | undefined> | undefined;
  const primary = (): Promise<PrimaryState | undefined> => (inFlight ??= readPrimary(writer).finally(() => (inFlight = undefined)));
  const fromPrimary = (name: string, help: string, value: (state: PrimaryState) => number) =>
    new Gauge({
      name,
      help,
      // Always client="writer" (read through it). With a label, reset() leaves no series at all,
      // where an unlabelled gauge would show a 0 that looks like a measurement.
      labelNames: ['client'] as const,
      registers: [registry],
      async collect() {
        const state = await primary();
        this.reset();
        if (state) this.set({ client: 'writer' }, value(state));
      },
    });

  new Gauge({
    name: 'journal_redis_connected',
    help: 'Whether the client (writer: the primary, reader: the replicas) is connected and ready (1) or not (0)',
    labelNames: ['client'] as const,
    registers: [registry],
    collect() {
      this.set({ client: 'writer' }, writer.status === 'ready' ? 1 : 0);
      this.set({ client: 'reader' }, reader.status === 'ready' ? 1 : 0);
    },
  });
  fromPrimary('journal_redis_memory_used_bytes', "The primary's used_memory: what counts against maxmemory", (s) => s.usedMemory);
  fromPrimary('journal_redis_memory_max_bytes', "The primary's maxmemory (0: no limit)", (s) => s.maxMemory);
  fromPrimary('journal_redis_replicas_connected', 'Replicas whose replication link to the primary is up', (s) => s.replicas);
  fromPrimary(
    'journal_redis_replica_lag_bytes',
    'Replication stream bytes the furthest linked replica has not yet confirmed',
    (s) => s.replicaLagBytes,
  );
}

async function readPrimary(writer: Redis): Promise<PrimaryState | undefined> {
  if (writer.status !== 'ready') return undefined;
  try {
    const fields = parseInfo(await writer.info('memory', 'replication'));
    if (fields.role !== 'master') return undefined; // mid-failover: not the primary any more
    const offset = Number(fields.master_repl_offset);
    const online = Object.entries(fields)
      .filter(([key, value]) => /^slave\d+$/.test(key) && value.includes('state=online'))
      .map(([, value]) => Number(/offset=(\d+)/.exec(value)?.[1] ?? offset));
    return {
      usedMemory: Number(fields.used_memory),
      maxMemory: Number(fields.maxmemory),
      replicas: online.length,
      replicaLagBytes: Math.max(0, ...online.map((replicaOffset) => offset - replicaOffset)),
    };
  } catch {
    return undefined; // the primary did not answer in time: journal_redis_command_errors_total counts it
  }
}

function parseInfo(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((line) => line.includes(':') && !line.startsWith('#'))
      .map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon), line.slice(colon + 1)];
      }),
  );
}
