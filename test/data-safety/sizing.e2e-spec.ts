import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  containerEnv,
  generated,
  get,
  kustomizeCopy,
  overlayNames,
  removeScratch,
  render,
  type K8sObject,
} from '../kustomize/manifests.js';
import { LocalPod, runCommand, stop, substitute } from '../kustomize/pod.js';
import { freePort, waitFor } from '../support/ports.js';

// Redis memory, maxmemory and volume, sized together in the base and every overlay (docs/data-safety.md).
afterAll(removeScratch);

const copy = kustomizeCopy();
const renderings = Object.fromEntries(
  ['base', ...overlayNames.map((o) => `overlays/${o}`)].map((dir) => [dir, render(join(copy, dir)).objects]),
);

const MIB = 2 ** 20;
/** Kubernetes quantities (Mi, Gi) and Redis memory units (mb, gb: powers of 1024) in bytes. */
function bytes(quantity: string): number {
  const [, number, unit] = /^(\d+)(Mi|Gi|mb|gb)$/.exec(quantity) ?? [];
  if (!number) throw new Error(`unexpected quantity ${quantity}`);
  return Number(number) * MIB * (unit === 'Gi' || unit === 'gb' ? 1024 : 1);
}

const redisOf = (objects: K8sObject[]) => {
  const statefulSet = get(objects, 'StatefulSet', 'redis');
  const container = statefulSet.spec.template.spec.containers.find((c: { name: string }) => c.name === 'redis');
  return { statefulSet, container, env: containerEnv(objects, statefulSet, container) };
};

describe.each(Object.keys(renderings))('Redis sizing in %s', (dir) => {
  const { statefulSet, container, env } = redisOf(renderings[dir]);
  const limit = bytes(container.resources.limits.memory);
  const maxmemory = bytes(env.MAXMEMORY);
  const volume = bytes(statefulSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage);

  it('keeps maxmemory at 55-65% of the memory limit (the rest: fork copy-on-write, buffers, fragmentation)', () => {
    expect(container.resources.requests.memory).toBe(container.resources.limits.memory);
    expect(maxmemory / limit).toBeGreaterThanOrEqual(0.55);
    expect(maxmemory / limit).toBeLessThanOrEqual(0.65);
  });

  it('has a volume of at least 4 times maxmemory (AOF twice the data set before a rewrite, plus the rewrite)', () => {
    expect(volume).toBeGreaterThanOrEqual(4 * maxmemory);
  });
});

describe('the rendered launch script', () => {
  it('starts Redis with maxmemory from the manifest and noeviction', async () => {
    const objects = renderings['overlays/prod'];
    const { statefulSet, container, env } = redisOf(objects);
    const local = new LocalPod(objects, statefulSet, container);
    const port = await freePort();
    const pod = runCommand(
      container.command.map((arg: string) => local.arg(arg)),
      {
        HOSTNAME: 'redis-0',
        ...substitute(env, {
          LISTEN_PORT: String(port),
          DATA_DIR: local.path(env.DATA_DIR!),
          PASSWORD_FILE: local.path(env.PASSWORD_FILE!),
        }),
      },
    );
    const password = Buffer.from(generated(objects, 'Secret', 'redis-passwd').data.passwd, 'base64').toString();
    const client = new Redis({ port, password, lazyConnect: true, retryStrategy: () => 100 });
    client.on('error', () => undefined);
    try {
      await waitFor(`redis-0 to answer\n${pod.output()}`, async () =>
        (await client.ping().catch(() => undefined)) === 'PONG' ? true : undefined,
      );
      expect(await client.config('GET', 'maxmemory')).toEqual(['maxmemory', String(bytes(env.MAXMEMORY))]);
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    } finally {
      client.disconnect();
      await stop(pod.child);
    }
  });
});
