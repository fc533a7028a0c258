// The health module as Nest assembles it (@nestjs/testing) with the real Redis clients and terminus,
// against a real Redis pair whose servers are stopped one by one; only the Redis settings replaced.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { AppConfigModule } from '../../src/config/config.module.js';
import { redisConfig } from '../../src/config/redis.config.js';
import { HealthController } from '../../src/health/health.controller.js';
import { HealthModule } from '../../src/health/health.module.js';
import { ShutdownState } from '../../src/health/shutdown-state.js';
import { ProblemException } from '../../src/problem/problem.js';
import { RedisModule } from '../../src/redis/redis.module.js';
import { REDIS_READER, REDIS_WRITER } from '../../src/redis/redis.tokens.js';
import { waitFor } from '../support/ports.js';
import { startRedisPair, type RedisPair } from '../support/redis.js';

let redis: RedisPair;
let module: TestingModule;
let health: HealthController;

beforeAll(async () => {
  redis = await startRedisPair();
  module = await Test.createTestingModule({ imports: [AppConfigModule, RedisModule.forRoot({}), HealthModule] })
    .overrideProvider(redisConfig.KEY)
    .useValue({ writeUrl: redis.primary.url, readUrl: redis.replica.url, passwordFile: '(test)', password: redis.password })
    .compile();
  health = module.get(HealthController);
  const clients = [module.get<Redis>(REDIS_WRITER), module.get<Redis>(REDIS_READER)];
  await waitFor('the clients to connect', async () => (clients.every((c) => c.status === 'ready') ? true : undefined));
});

afterAll(async () => {
  await module?.close();
  await redis?.stop();
});

/** The 503 problem a check fails with, as the API sends it. */
async function failure(check: () => Promise<unknown>) {
  const error = await Promise.resolve().then(check).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProblemException);
  return (error as ProblemException).toProblem();
}

describe('health checks on a real Redis pair', () => {
  it('with both up: live, ready and the report all pass', async () => {
    expect((await health.live()).status).toBe('ok');
    expect((await health.ready()).details).toEqual({ redis: { status: 'up', writer: 'up', reader: 'up' } });
    expect((await health.report()).details).toEqual({ writer: { status: 'up' }, reader: { status: 'up' } });
  });

  it('with the replica down: still ready (the writer answers), the report names the reader down', async () => {
    await redis.replica.stop();
    expect((await health.ready()).status).toBe('ok');
    const problem = await failure(() => health.report());
    expect(problem).toMatchObject({ status: 503, detail: 'the report check failed: reader down' });
    expect(problem.checks).toMatchObject({ writer: { status: 'up' }, reader: { status: 'down' } });
  });

  it('with both down: not ready, yet live (a Redis outage must not restart pods)', async () => {
    await redis.primary.stop();
    expect(await failure(() => health.ready())).toMatchObject({ status: 503, detail: 'the ready check failed: redis down' });
    expect((await health.live()).status).toBe('ok');
  });

  it('while shutting down: not ready, whatever Redis says', async () => {
    await Promise.all([redis.primary.start(), redis.replica.start()]);
    await waitFor('readiness to come back', () => health.ready().catch(() => undefined), 10_000);
    module.get(ShutdownState).shuttingDown = true;
    expect(await failure(() => health.ready())).toMatchObject({ status: 503, detail: 'shutting down' });
  }, 20_000);
});
