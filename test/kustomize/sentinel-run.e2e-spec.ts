import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiProcess } from '../support/api.js';
import { waitFor } from '../support/ports.js';
import { RedisCluster, type PodLayout } from '../support/sentinel.js';
import { containerEnv, generated, get, kustomizeCopy, removeScratch, render, type K8sObject } from './manifests.js';
import { exitCode, LocalPod, relocate, startDeployedApi, substitute } from './pod.js';

/**
 * Runs the Sentinel component as the prod overlay declares it, with real programs: three Redis
 * pods and their Sentinels from the rendered ConfigMap's scripts and the rendered env (down-after
 * 5000 ms as declared), and the API with its rendered env. Only host names, ports and in-pod paths
 * change (the failover behaviour under load is tested in test/failover).
 */
let objects: K8sObject[];
let cluster: RedisCluster;
let api: ApiProcess | undefined;

const statefulSet = () => get(objects, 'StatefulSet', 'redis');
const container = (name: string) => statefulSet().spec.template.spec.containers.find((c: { name: string }) => c.name === name);
const pods = ['redis-0.redis-write', 'redis-1.redis-write', 'redis-2.redis-write'];

/** The rendered scripts (the merged ConfigMap, as mounted) and env, made local. */
function renderedLayout(root: string): PodLayout {
  const local = new LocalPod(objects, statefulSet(), container('redis'));
  const env = (name: string, pod: { name: string }) => {
    const rendered = containerEnv(objects, statefulSet(), container(name), pod.name);
    expect(rendered).toMatchObject({
      ANNOUNCE_HOST: `${pod.name}.redis-write`,
      PEERS: pods.map((host) => `${host}:6379`).join(' '),
      SENTINELS: pods.map((host) => `${host}:26379`).join(' '),
      PRIMARY_HOST: 'redis-0.redis-write',
      PRIMARY_PORT: '6379',
    });
    return rendered;
  };
  // Both containers get local addresses in place of the pods' DNS names; `own` adds each one's port and folder.
  const localEnv = (name: string, [cluster, pod]: Parameters<PodLayout['redisEnv']>, own: Record<string, string>) =>
    substitute(env(name, pod), {
      ANNOUNCE_HOST: '127.0.0.1',
      PEERS: cluster.peers(),
      SENTINELS: cluster.sentinelList(' '),
      PRIMARY_HOST: '127.0.0.1',
      PRIMARY_PORT: String(cluster.pods[0]!.port),
      PASSWORD_FILE: local.path('/etc/redis-passwd/passwd'),
      ...own,
    });
  return {
    scripts: local.path('/scripts'),
    redisEnv: (...at) => localEnv('redis', at, { LISTEN_PORT: String(at[1].port), DATA_DIR: at[1].dataDir }),
    sentinelEnv: (...at) =>
      localEnv('sentinel', at, { LISTEN_PORT: String(at[1].sentinelPort), SENTINEL_DIR: join(root, `sentinel-${at[1].index}`) }),
  };
}

beforeAll(async () => {
  objects = render(join(kustomizeCopy(), 'overlays', 'prod')).objects;
  const password = Buffer.from(generated(objects, 'Secret', 'redis-passwd').data.passwd, 'base64').toString();
  cluster = await RedisCluster.start('sentinel', { password, layout: renderedLayout, downAfterMs: 5000 });
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await cluster?.stop();
  removeScratch();
});

describe('the Redis StatefulSet with the Sentinel component, run from its rendered scripts', () => {
  it('starts redis-0 as the primary with two promotable replicas, watched by three Sentinels that agree', async () => {
    const primary = await cluster.waitForReplicas();
    expect(primary.name).toBe('redis-0');
    for (const pod of cluster.pods) {
      const sentinels = (await cluster.sentinelCommand(pod, 'SENTINEL', 'sentinels', 'journal')) as unknown[];
      expect(sentinels).toHaveLength(2); // the two others
      const config = (await cluster.sentinelCommand(pod, 'SENTINEL', 'master', 'journal')) as string[];
      expect(config[config.indexOf('quorum') + 1]).toBe('2');
      expect(config[config.indexOf('down-after-milliseconds') + 1]).toBe('5000');
    }
    expect(await cluster.command(primary, 'CONFIG', 'GET', 'min-replicas-to-write')).toEqual(['min-replicas-to-write', '1']);
  });

  it('answers the readiness probes of both containers (Redis and Sentinel)', async () => {
    for (const name of ['redis', 'sentinel']) {
      const probe = container(name).readinessProbe.exec.command as string[];
      for (const pod of cluster.pods) {
        const env = name === 'redis' ? cluster.redisEnv(pod) : cluster.sentinelEnv(pod);
        const command = probe.map((arg) => arg.replace(/^\/scripts\//, `${cluster.scripts}/`));
        expect(await exitCode(command, env)).toBe(0);
      }
    }
  });

  it('serves the API with its rendered env, through the Sentinels', async () => {
    const { api: started, writeHeaders } = await startDeployedApi(objects, (env) => ({
      REDIS_SENTINELS: env
        .REDIS_SENTINELS!.split(',')
        .map((address, index) =>
          relocate(`redis://${address}`, address, cluster.pods[index]!.sentinelPort).slice('redis://'.length).replace(/\/$/, ''),
        )
        .join(','),
    }));
    api = started;
    const created = await fetch(`${started.url}/api/entries`, {
      method: 'POST',
      headers: writeHeaders,
      body: JSON.stringify({ text: 'through the Sentinels' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    // The rendered overlay reads with READ_ACCESS=signed-in: the writer's token reads too.
    expect((await fetch(`${started.url}/api/entries/${id}`)).status).toBe(401);
    expect((await fetch(`${started.url}/api/entries/${id}`, { headers: writeHeaders })).status).toBe(200);
  }, 30_000);

  it('hands the primary over in preStop, then follows the new primary after a restart', async () => {
    const primary = await cluster.waitForReplicas();
    const output = await cluster.preStop(primary);
    expect(output).toMatch(/handed over: 127\.0\.0\.1:\d+ is the primary now/);
    await primary.redis.stop('SIGTERM');
    await cluster.startRedis(primary);
    const next = await cluster.waitForReplicas();
    expect(next).not.toBe(primary);
    expect(primary.redis.output).toMatch(/the Sentinels name 127\.0\.0\.1:\d+ as the primary: starting as its replica/);
    // A replica's preStop has nothing to do.
    expect(await cluster.preStop(primary)).toContain('not a primary with replicas: nothing to hand over');
  }, 60_000);

  it('refuses to start a Sentinel with a down-after under 1500 ms, naming DOWN_AFTER_MS', () => {
    const pod = cluster.pods[0]!;
    const run = (downAfter: string) =>
      spawnSync('sh', [join(cluster.scripts, 'sentinel.sh')], {
        env: { PATH: process.env.PATH!, ...cluster.sentinelEnv(pod), DOWN_AFTER_MS: downAfter },
        encoding: 'utf8',
      });
    expect([run('1000'), run('1.5s')].map((r) => ({ status: r.status, stderr: r.stderr.trim() }))).toEqual([
      {
        status: 1,
        stderr:
          'sentinel.sh: DOWN_AFTER_MS=1000 is below 1500: a Sentinel would judge a just-promoted primary down before it has connected to it',
      },
      { status: 1, stderr: 'sentinel.sh: DOWN_AFTER_MS=1.5s is not a number of milliseconds' },
    ]);
  });

  it('starts a replica unpromotable (priority 0) until its first full sync is done', async () => {
    const primary = await cluster.waitForReplicas();
    const replica = cluster.pods.find((pod) => pod !== primary)!;
    await replica.redis.stop('SIGTERM');
    rmSync(replica.dataDir, { recursive: true, force: true });
    mkdirSync(replica.dataDir);
    // A primary that does not answer (for far less than down-after): the sync cannot finish.
    primary.redis.signal('SIGSTOP');
    try {
      await cluster.startRedis(replica);
      expect(await cluster.command(replica, 'CONFIG', 'GET', 'replica-priority')).toEqual(['replica-priority', '0']);
    } finally {
      primary.redis.signal('SIGCONT');
    }
    await waitFor('the replica to become promotable', async () =>
      ((await cluster.command(replica, 'CONFIG', 'GET', 'replica-priority')) as string[])[1] === '100' ? true : undefined,
    );
    expect(replica.redis.output).toContain('first sync with the primary done: this replica may now be promoted');
    await cluster.waitForReplicas();
  }, 60_000);

  it('fails over when the primary is killed: the Sentinels promote a replica within down-after + 5 s', async () => {
    const primary = await cluster.waitForReplicas();
    const killedAt = Date.now();
    await primary.redis.stop('SIGKILL');
    const next = await waitFor(
      'another primary',
      async () => {
        const candidate = await cluster.primary();
        return candidate && candidate !== primary && (await cluster.role(candidate)) === 'master' ? candidate : undefined;
      },
      10_000,
    );
    console.log(`rendered Sentinel component, down-after 5000 ms: ${next.name} promoted ${Date.now() - killedAt} ms after kill -9`);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    await cluster.startRedis(primary);
    await cluster.waitForReplicas();
  }, 60_000);
});
