import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiProcess, redisEnv, repoRoot } from '../support/api.js';
import { call } from '../support/http.js';
import { startRedisPair, type RedisPair } from '../support/redis.js';

// No Docker engine here: do what the Dockerfile's runtime stages do, in a scratch folder.
describe('the production image contents', () => {
  let folder: string;
  let redis: RedisPair;
  let api: ApiProcess | undefined;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'journal-image-'));
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(repoRoot, file), join(folder, file));
    await promisify(execFile)('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: folder });
    cpSync(join(repoRoot, 'dist'), join(folder, 'dist'), { recursive: true });
    redis = await startRedisPair();
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
    await redis?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('starts with production dependencies only and serves requests', async () => {
    api = await ApiProcess.start({ ...redisEnv(redis), NODE_ENV: 'production' }, { cwd: folder });
    expect((await call(api.url, 'GET', '/healthz/live')).status).toBe(200);
    const created = await call(api.url, 'POST', '/api/entries', { text: 'from the image' });
    expect(created.status).toBe(201);
    expect((await call(api.url, 'GET', `/api/entries/${created.body.id}`)).body).toEqual(created.body);
  });
});
