import { expect } from '@jest/globals';
import { ApiProcess, passwordFile } from '../support/api.js';
import { MASTER_NAME, type RedisCluster } from '../support/sentinel.js';
import type { Load } from './load.js';

/** The API in the mode the cluster runs: Sentinel mode, or the two URLs of the plain base. */
export function apiEnv(cluster: RedisCluster): Record<string, string> {
  const endpoints: Record<string, string> =
    cluster.mode === 'sentinel'
      ? { REDIS_SENTINELS: cluster.sentinelList(), REDIS_MASTER_NAME: MASTER_NAME }
      : { REDIS_WRITE_URL: `redis://127.0.0.1:${cluster.pods[0]!.port}`, REDIS_READ_URL: `redis://127.0.0.1:${cluster.pods[1]!.port}` };
  return { ...endpoints, REDIS_PASSWORD_FILE: passwordFile(cluster.password), REDIS_MIN_REPLICA_ACKS: '1', LOG_LEVEL: 'warn' };
}

export function startApi(cluster: RedisCluster): Promise<ApiProcess> {
  return ApiProcess.start(apiEnv(cluster));
}

/**
 * After the load stopped: once all three nodes are in sync, every acknowledged create is on
 * every node and no acknowledged delete was undone. Prints the figures.
 */
export async function expectNothingLost(cluster: RedisCluster, load: Load, label: string): Promise<void> {
  await cluster.waitForReplicas({ caughtUp: true });
  const perNode = await Promise.all(cluster.pods.map((pod) => load.lostOn(cluster, pod)));
  const lost = new Set(perNode.flatMap((n) => n.lost));
  const undeleted = new Set(perNode.flatMap((n) => n.undeleted));
  console.log(`${label}: ${load.summary()}; acknowledged lost: ${lost.size} creates, ${undeleted.size} deletes undone`);
  if (lost.size > 0 || undeleted.size > 0) {
    // What each node held, and the role changes and syncs of the run: the evidence a CI log can keep.
    const where = perNode.map(
      (n, i) => `${cluster.pods[i]!.name}: lost ${n.lost.join(',') || '-'}; undone ${n.undeleted.join(',') || '-'}`,
    );
    const roles = cluster.output
      .split('\n')
      .filter((line) => /^---|launch\.sh|pre-stop|MASTER MODE|REPLICAOF|resync|[+-](switch-master|odown|promoted|failover)/i.test(line));
    console.log(`${label}: where\n${where.join('\n')}\n${roles.join('\n')}`);
  }
  expect({ lost: [...lost], undeleted: [...undeleted], problems: load.problems }).toEqual({ lost: [], undeleted: [], problems: [] });
  expect(load.created.size).toBeGreaterThan(0);
}
