import { createHash } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { JOURNAL_SCRIPTS } from '../../src/journal/journal.store.js';
import type { RedisNode } from '../../test/support/redis.js';

/**
 * A TCP proxy in front of a Redis node that counts round trips: a round trip starts each time the
 * client sends after it last received (or for the first time). Commands written together, as a
 * pipeline, before any reply make one round trip; a command sent after the previous reply makes
 * another. This is what the network sees, not what the code says it does.
 */
export async function startRoundTripCounter(target: RedisNode): Promise<{ port: number; roundTrips: number; close(): void }> {
  const sockets = new Set<Socket>();
  const counter = { port: 0, roundTrips: 0, close };
  const server = createServer((client) => {
    const upstream = connect(target.port, '127.0.0.1');
    let clientSpokeLast = false;
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      if (!clientSpokeLast && !onTimer(chunk)) counter.roundTrips++;
      clientSpokeLast = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      clientSpokeLast = false;
      client.write(chunk);
    });
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.on('close', () => to.destroy()).on('error', () => to.destroy());
    }
  });
  function close(): void {
    server.close();
    for (const socket of sockets) socket.destroy();
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  counter.port = (server.address() as { port: number }).port;
  return counter;
}

/**
 * Commands sent on a timer, not as part of a request: ROLE, the replica count refresh
 * (src/redis/replication.ts), and the search indexer's batch (src/journal/search-indexer.ts),
 * whose Redis work still shows in each node's calls and CPU.
 */
const INDEX_BATCH_SHA = createHash('sha1').update(JOURNAL_SCRIPTS.indexBatch!.lua).digest('hex');
const onTimer = (chunk: Buffer) => {
  const text = chunk.toString('latin1');
  return /^\*1\r\n\$4\r\nrole\r\n$/i.test(text) || text.includes(INDEX_BATCH_SHA);
};

/** Commands the harness itself sends (stats, auth) or that run on a timer, not per request. */
const NOT_PER_REQUEST = new Set(['auth', 'info', 'config|resetstat', 'role', 'ping', 'client|setname', 'hello', 'select']);

/** `INFO commandstats` as {command: calls}, without the commands in NOT_PER_REQUEST. */
export async function commandCalls(node: RedisNode): Promise<Map<string, number>> {
  const info = String(await node.command('INFO', 'commandstats'));
  const calls = new Map<string, number>();
  for (const [, name, count] of info.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) {
    if (!NOT_PER_REQUEST.has(name)) calls.set(name, Number(count));
  }
  return calls;
}

/** CPU time (user + system) a Redis node has used so far, in µs, from `INFO cpu` (finer than /proc's clock ticks). */
export async function redisCpuUs(node: RedisNode): Promise<number> {
  const info = String(await node.command('INFO', 'cpu'));
  const seconds = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
}
