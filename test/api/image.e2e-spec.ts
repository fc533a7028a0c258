import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiProcess, imageNodeOptions, redisEnv, repoRoot } from '../support/api.js';
import { call } from '../support/http.js';
import { startRedisPair, type RedisPair } from '../support/redis.js';

// No Docker engine here: give a scratch folder exactly what the Dockerfile's api stage copies
// (package.json and the bundle, no node_modules) and run it the way the image does.
describe('the production image contents', () => {
  let folder: string;
  let redis: RedisPair;
  let api: ApiProcess | undefined;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'journal-image-'));
    for (const file of ['package.json', 'dist/main.js', 'dist/main.js.LEGAL.txt', 'node_modules/swagger-ui-dist']) {
      cpSync(join(repoRoot, file), join(folder, file), { recursive: true });
    }
    redis = await startRedisPair();
  });

  afterAll(async () => {
    await api?.stop();
    await redis?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it("starts from the bundle alone, with the image's NODE_OPTIONS, and serves requests", async () => {
    api = await ApiProcess.start({ ...redisEnv(redis), NODE_ENV: 'production', NODE_OPTIONS: imageNodeOptions() }, { cwd: folder });
    expect((await call(api.url, 'GET', '/healthz/live')).status).toBe(200);
    const created = await call(api.url, 'POST', '/api/entries', { text: 'from the image' });
    expect(created.status).toBe(201);
    expect((await call(api.url, 'GET', `/api/entries/${created.body.id}`)).body).toEqual(created.body);
  });

  it('serves the OpenAPI document and the docs page with its Swagger UI files', async () => {
    expect((await call(api!.url, 'GET', '/api/openapi.json')).body.paths['/api/entries']).toBeDefined();
    const page = await call(api!.url, 'GET', '/api/docs');
    expect(page.status).toBe(200);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, asset]) => new URL(asset, `${api!.url}/api/docs`).pathname);
    expect(assets).toContain('/api/docs/swagger-ui-bundle.js');
    for (const asset of assets) expect({ asset, status: (await call(api!.url, 'GET', asset)).status }).toEqual({ asset, status: 200 });
  });
});
