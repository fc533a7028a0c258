// The health module as Nest assembles it (@nestjs/testing) with the real Redis clients and terminus,
// against a real Redis pair whose servers are stopped one by one; only the Redis settings replaced.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { AppConfigModule } from '../../src/config/config.module.js';
import { redisConfig } from '../../src/config/redis.config.js';
import { serverConfig } from '../../src/config/server.config.js';
import { HealthController } from '../../src/health/health.controller.js';
import { HealthModule } from '../../src/health/health.module.js';
import { ShutdownState } from '../../src/health/shutdown-state.js';
import { ProblemException } from '../../src/problem/problem.js';
import { RedisModule } from '../../src/redis/redis.module.js';
import { REDIS_READER, REDIS_WRITER } from '../../src/redis/redis.tokens.js';
import { freePort, waitFor } from '../support/ports.js';
import { startRedisPair, type RedisPair } from '../support/redis.js';

let redis: RedisPair;
let app: NestFastifyApplication;
let health: HealthController;

beforeAll(async () => {
  redis = await startRedisPair();
  const module = await Test.createTestingModule({ imports: [AppConfigModule, RedisModule.forRoot(), HealthModule] })
    .overrideProvider(redisConfig.KEY)
    .useValue({ writer: redis.primary.url, reader: redis.replica.url, passwordFile: '(test)', password: redis.password, minReplicaAcks: 1 })
    .overrideProvider(serverConfig.KEY)
    .useValue({ port: 0, host: '127.0.0.1', metricsPort: await freePort() })
    .compile();
  // An application (not just the module graph), so that start-up and shutdown hooks run as in the API.
  app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  await app.init();
  health = app.get(HealthController);
  const clients = [app.get<Redis>(REDIS_WRITER), app.get<Redis>(REDIS_READER)];
  await waitFor('the clients to connect', async () => (clients.every((c) => c.status === 'ready') ? true : undefined));
});

afterAll(async () => {
  await app?.close(); // quits the clients, stops the metrics server
  await redis?.stop();
});

/** The 503 problem a check fails with, as the API sends it. */
async function failure(check: () => Promise<unknown>) {
  const error = await Promise.resolve()
    .then(check)
    .then(
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
    app.get(ShutdownState).shuttingDown = true;
    expect(await failure(() => health.ready())).toMatchObject({ status: 503, detail: 'shutting down' });
  }, 20_000);
});
