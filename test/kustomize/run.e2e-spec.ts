import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ApiProcess, repoRoot } from '../support/api.js';
import { freePort, waitFor } from '../support/ports.js';
import { containerEnv, generated, get, kustomizeCopy, removeScratch, render, type K8sObject } from './manifests.js';
import { exitCode, LocalPod, relocate, runCommand, startDeployedApi, stop, substitute } from './pod.js';

afterAll(removeScratch);

/**
 * Runs what is declared, with real programs: the plain base's Redis launch script from the
 * rendered ConfigMap and the API with the rendered env (the base with a password, as a small
 * cluster without the Sentinel component runs it; sentinel-run.e2e-spec.ts runs the overlays'
 * Sentinel mode), and NGINX with the prod overlay's server block.
 * Only host names, ports and in-pod paths (onto scratch folders) are changed.
 */
let objects: K8sObject[];
let prod: K8sObject[];
beforeAll(() => {
  const copy = kustomizeCopy();
  prod = render(join(copy, 'overlays', 'prod')).objects;
  // The base plus the Secrets an overlay adds: the plain primary and replicas.
  const plain = join(copy, 'plain');
  mkdirSync(plain);
  for (const file of ['passwd', 'tokens']) copyFileSync(join(copy, 'overlays', 'prod', 'secrets', file), join(plain, file));
  writeFileSync(
    join(plain, 'kustomization.yaml'),
    'resources: [../base]\nsecretGenerator: [{name: redis-passwd, files: [passwd]}, {name: journal-auth-tokens, files: [tokens], options: {disableNameSuffixHash: true}}]\n',
  );
  objects = render(plain).objects;
});

const password = () => Buffer.from(generated(objects, 'Secret', 'redis-passwd').data.passwd, 'base64').toString();

/** One short-lived connection, as a client of the pod would make. */
async function redis<T>(port: number, auth: string, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    password: auth,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** One inline command on a bare socket, and the first reply line: what any client would see. */
function inline(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    socket.setEncoding('utf8');
    socket.once('data', (reply: string) => {
      socket.destroy();
      resolve(reply.split('\r\n')[0]!);
    });
    socket.once('error', reject);
  });
}

describe('the Redis StatefulSet, run from its rendered launch script', () => {
  const pods: { name: string; port: number; local: LocalPod; process: ReturnType<typeof runCommand> }[] = [];
  const statefulSet = () => get(objects, 'StatefulSet', 'redis');
  const container = () => statefulSet().spec.template.spec.containers[0];

  /** The pod's env with its own port, its peers' and the primary's addresses and its volumes made local. */
  const podEnv = (name: string, local: LocalPod, port: number, ports: number[]) => {
    const env = containerEnv(objects, statefulSet(), container(), name);
    expect(env.PRIMARY_HOST).toBe('redis-0.redis-write');
    expect(env.ANNOUNCE_HOST).toBe(`${name}.redis-write`);
    expect(env.PEERS).toBe('redis-0.redis-write:6379 redis-1.redis-write:6379 redis-2.redis-write:6379');
    return substitute(env, {
      ANNOUNCE_HOST: '127.0.0.1',
      PEERS: ports.map((p) => `127.0.0.1:${p}`).join(' '),
      LISTEN_PORT: String(port),
      PRIMARY_HOST: '127.0.0.1',
      PRIMARY_PORT: String(ports[0]),
      DATA_DIR: local.path(env.DATA_DIR!),
      PASSWORD_FILE: local.path(env.PASSWORD_FILE!),
    });
  };

  beforeAll(async () => {
    const ports = [await freePort(), await freePort()];
    for (const [index, name] of ['redis-0', 'redis-1'].entries()) {
      const port = ports[index]!;
      const local = new LocalPod(objects, statefulSet(), container());
      const command = container().command.map((arg: string) => local.arg(arg));
      const process = runCommand(command, podEnv(name, local, port, ports));
      pods.push({ name, port, local, process });
      await waitFor(`${name} to answer\n${process.output()}`, async () =>
        (await redis(port, password(), (c) => c.ping())) === 'PONG' ? true : undefined,
      );
    }
  }, 20_000);

  afterAll(async () => {
    for (const pod of pods) await stop(pod.process.child);
  });

  it('makes redis-0 the primary and redis-1 its replica, authenticated with the Secret', async () => {
    const [primary, replica] = pods;
    // Redis waits repl-diskless-sync-delay (5 s) before the first full sync.
    await waitFor(
      'the replica to sync',
      async () => {
        const info = await redis(replica!.port, password(), (c) => c.info('replication'));
        return info.includes('role:slave') && info.includes('master_link_status:up') ? true : undefined;
      },
      15_000,
    );
    expect(await redis(primary!.port, password(), (c) => c.info('replication'))).toContain('role:master');
    await redis(primary!.port, password(), (c) => c.set('journal:probe', 'replicated'));
    await waitFor('the write to reach the replica', async () =>
      (await redis(replica!.port, password(), (c) => c.get('journal:probe'))) === 'replicated' ? true : undefined,
    );
  }, 20_000);

  it('refuses clients without the password', async () => {
    for (const pod of pods) {
      expect(await inline(pod.port, 'GET journal:probe')).toMatch(/^-NOAUTH/);
      expect(await inline(pod.port, 'AUTH wrong')).toMatch(/^-WRONGPASS/);
    }
  });

  it('keeps an append-only file in the data volume', async () => {
    for (const pod of pods) {
      expect(await redis(pod.port, password(), (c) => c.config('GET', 'appendonly'))).toEqual(['appendonly', 'yes']);
      expect(readdirSync(pod.local.path('/data'))).toContain('appendonlydir');
    }
  });

  it('passes its readiness probe, which fails with a wrong password', async () => {
    const probe = container().readinessProbe.exec.command;
    for (const pod of pods) {
      const env = podEnv(
        pod.name,
        pod.local,
        pod.port,
        pods.map((p) => p.port),
      );
      const command = probe.map((arg: string) => pod.local.arg(arg));
      expect(await exitCode(command, env)).toBe(0);
      const wrong = join(pod.local.root, 'wrong-passwd');
      writeFileSync(wrong, 'wrong');
      expect(await exitCode(command, { ...env, PASSWORD_FILE: wrong })).not.toBe(0);
    }
  });

  describe('and the API Deployment, started with its rendered env', () => {
    let api: ApiProcess | undefined;
    afterAll(async () => {
      await api?.stop();
    });

    it('gets ready, writes through redis-0 and pages by the ConfigMap', async () => {
      expect(existsSync(join(repoRoot, 'dist/main.js'))).toBe(true); // npm run build
      const [primary, replica] = pods;
      const {
        api: started,
        env,
        writeHeaders,
      } = await startDeployedApi(objects, (env) => ({
        REDIS_WRITE_URL: relocate(env.REDIS_WRITE_URL!, 'redis-0.redis-write:6379', primary!.port),
        REDIS_READ_URL: relocate(env.REDIS_READ_URL!, 'redis:6379', replica!.port),
      }));
      api = started;
      const created = await fetch(`${started.url}/api/entries`, {
        method: 'POST',
        headers: writeHeaders,
        body: JSON.stringify({ text: 'deployed as declared' }),
      });
      expect(created.status).toBe(201);
      const page = (await (await fetch(`${started.url}/api/entries`)).json()) as { entries: { text: string }[]; pageSize: number };
      expect(page.pageSize).toBe(Number(env.JOURNAL_ENTRIES));
      expect(page.entries.map((e) => e.text)).toContain('deployed as declared');
      // What Prometheus scrapes (the PodMonitor's port).
      const scrape = await fetch(started.metricsUrl);
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toMatch(
        /^journal_http_request_duration_seconds_count\{method="POST",route="\/api\/entries",status="201"\} 1$/m,
      );
    }, 30_000);
  });
});

describe('the file server Deployment, run as real NGINX with its rendered server block', () => {
  let nginx: ReturnType<typeof runCommand> | undefined;
  afterAll(async () => {
    await stop(nginx?.child);
  });

  it('answers 200 on /', async () => {
    const deployment = get(prod, 'Deployment', 'fileserver');
    const container = deployment.spec.template.spec.containers[0];
    const local = new LocalPod(prod, deployment, container);
    const port = await freePort();

    // The image's content (the web UI) is not here: a page stands in for it.
    const html = join(local.root, 'html');
    mkdirSync(html, { mode: 0o755 });
    writeFileSync(join(html, 'index.html'), '<!doctype html><title>Journal</title>', { mode: 0o644 });
    const conf = join(local.path('/etc/nginx/conf.d'), 'default.conf');
    let server = readFileSync(conf, 'utf8');
    server = replaceOnce(server, /^(\s*)listen 8080;/m, `$1listen 127.0.0.1:${port};`);
    server = replaceOnce(server, /^(\s*)root \/usr\/share\/nginx\/html;/m, `$1root ${html};`);
    server = replaceOnce(
      server,
      /^(\s*)include \/etc\/nginx\/conf\.d\/server-rules\.inc;/m,
      `$1include ${local.path('/etc/nginx/conf.d/server-rules.inc')};`,
    );
    writeFileSync(conf, server);

    // The unprivileged image's nginx.conf, reduced: temp files and the pid file in /tmp.
    const tmp = local.path('/tmp');
    const main = join(tmp, 'nginx.conf');
    writeFileSync(
      main,
      `
      pid ${tmp}/nginx.pid;
      error_log stderr;
      events {}
      http {
        include /etc/nginx/mime.types;
        default_type application/octet-stream;
        access_log off;
        client_body_temp_path ${tmp}/client_temp;
        proxy_temp_path ${tmp}/proxy_temp;
        fastcgi_temp_path ${tmp}/fastcgi_temp;
        uwsgi_temp_path ${tmp}/uwsgi_temp;
        scgi_temp_path ${tmp}/scgi_temp;
        include ${local.path('/etc/nginx/conf.d')}/*.conf;
      }`,
    );
    nginx = runCommand(['/usr/sbin/nginx', '-e', 'stderr', '-p', tmp, '-c', main, '-g', 'daemon off;'], {});
    const response = await waitFor(`NGINX to answer\n${nginx.output()}`, async () => fetch(`http://127.0.0.1:${port}/`));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Journal</title>');
  });
});

/** The one change a test may make to a declared file; fails if the declared text is not there. */
function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`the declared config has no ${pattern}`);
  return text.replace(pattern, replacement);
}
