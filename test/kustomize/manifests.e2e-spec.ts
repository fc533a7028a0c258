import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseTokensFile } from '../../src/auth/tokens-file.js';
import { validateEnv } from '../../src/config/env.schema.js';
import {
  allChecks,
  allowedClients,
  checkAuth,
  evictable,
  checkAutoscaling,
  checkAvailability,
  checkHardening,
  checkImages,
  checkIngresses,
  checkReferences,
  checkRestricted,
  checkRoutes,
  checkSchema,
  checkScripts,
  checkServices,
  checkStatefulSets,
} from './checks.js';
import {
  containerEnv,
  containers,
  find,
  generated,
  get,
  kustomizeCopy,
  kustomizeRoot,
  overlayNames,
  overlayWith,
  podTemplate,
  removeScratch,
  render,
  type K8sObject,
  type Rendering,
} from './manifests.js';

afterAll(removeScratch);

const renderings: Record<string, Rendering> = {};
/** prod with the Ingress component in place of the Gateway: what the Ingress checks are shown on. */
let withIngress: K8sObject[];

beforeAll(() => {
  const copy = kustomizeCopy();
  for (const overlay of overlayNames) renderings[overlay] = render(join(copy, 'overlays', overlay));
  withIngress = render(overlayWith('prod', ['ingress'], { ingressClassName: 'example' })).objects;
});

it('has a dev and a prod overlay', () => {
  expect(overlayNames).toEqual(expect.arrayContaining(['dev', 'prod']));
});

describe.each(overlayNames)('overlay %s', (overlay) => {
  const objects = () => renderings[overlay]!.objects;

  it('renders with no warning (kustomize warns about deprecated fields)', () => {
    expect(renderings[overlay]!.warnings).toBe('');
  });

  it.each(Object.entries(allChecks))('%s', (_, check) => {
    expect(check(objects())).toEqual([]);
  });

  it("serves the API and the web UI through its own Gateway, over HTTPS from Let's Encrypt", () => {
    const host = overlay === 'prod' ? 'journal.example.com' : 'dev.journal.example.com';
    const route = get(objects(), 'HTTPRoute', 'journal');
    expect(route.spec.parentRefs).toEqual([{ name: 'journal', sectionName: 'https' }]);
    expect(route.spec.hostnames).toEqual([host]);
    expect(route.spec.rules).toEqual([
      { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'frontend', port: 8080 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'fileserver', port: 80 }] },
    ]);
    const gateway = get(objects(), 'Gateway', 'journal');
    const https = gateway.spec.listeners.find((l: any) => l.name === 'https');
    expect(https).toMatchObject({
      protocol: 'HTTPS',
      port: 443,
      hostname: host,
      tls: { mode: 'Terminate', certificateRefs: [{ name: 'journal-tls' }] },
    });
    // cert-manager's Gateway support makes the certificate from this Issuer, solving HTTP-01 on
    // the Gateway's HTTP listener, where everything else is redirected to HTTPS.
    const issuer = get(objects(), 'Issuer', gateway.metadata.annotations!['cert-manager.io/issuer']!);
    const server =
      overlay === 'prod' ? 'https://acme-v02.api.letsencrypt.org/directory' : 'https://acme-staging-v02.api.letsencrypt.org/directory';
    expect(issuer.spec.acme.server).toBe(server);
    expect(issuer.spec.acme.solvers).toEqual([
      { http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'journal', kind: 'Gateway', sectionName: 'http' }] } } },
    ]);
    expect(gateway.spec.listeners.find((l: any) => l.name === 'http')).toMatchObject({ protocol: 'HTTP', port: 80, hostname: host });
    const redirect = get(objects(), 'HTTPRoute', 'journal-https-redirect');
    expect(redirect.spec.parentRefs).toEqual([{ name: 'journal', sectionName: 'http' }]);
    expect(redirect.spec.rules).toEqual([
      { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] },
    ]);
    // Nothing assumes the retired ingress-nginx controller: not its class, namespace or annotations.
    expect(JSON.stringify(objects())).not.toMatch(/nginx\.ingress|ingress-nginx|ingressClassName":"nginx/);
    expect(
      readFileSync(join(kustomizeRoot, 'overlays', overlay, 'kustomization.yaml'), 'utf8') +
        readFileSync(join(kustomizeRoot, 'overlays', overlay, 'edge.yaml'), 'utf8'),
    ).not.toMatch(/ingress-nginx|nginx\.ingress/);
    // The settings file is read, not deployed; nothing is left at its placeholder.
    expect(find(objects(), 'ConfigMap', 'edge')).toBeUndefined();
    expect(JSON.stringify(objects())).not.toContain('set-by-');
  });

  it('runs the API as the design says: env, Redis endpoints, Secret file, probes', () => {
    const deployment = get(objects(), 'Deployment', 'frontend');
    const container = deployment.spec.template.spec.containers[0];
    const env = containerEnv(objects(), deployment, container);
    expect(env).toEqual({
      NODE_ENV: 'production',
      PORT: '8080',
      METRICS_PORT: '9464',
      LOG_LEVEL: 'info',
      JOURNAL_ENTRIES: overlay === 'dev' ? '5' : '10',
      // Sentinel mode (kustomize/components/sentinel): the Sentinels name the primary and the replicas.
      REDIS_SENTINELS: 'redis-0.redis-write:26379,redis-1.redis-write:26379,redis-2.redis-write:26379',
      REDIS_MASTER_NAME: 'journal',
      REDIS_PASSWORD_FILE: '/etc/redis-passwd/passwd',
      AUTH_MODE: 'token',
      AUTH_TOKENS_FILE: '/etc/journal-auth/tokens',
      AUTH_ADMINS: 'ops',
      // Both overlays keep the journal private: reading needs a token (the base's default is public).
      READ_ACCESS: 'signed-in',
      // The edge's proxies (the pod network) are believed in both; write rate limiting in prod only.
      TRUST_PROXY: '10.244.0.0/16',
      ...(overlay === 'prod' ? { RATE_LIMIT_WRITES_PER_MINUTE: '60' } : {}),
    });
    expect(env.JOURNAL_ENTRIES).toMatch(/^[1-9]\d*$/);
    // The API's own schema accepts every value (a bad one would stop every pod at start) and
    // knows every key of the settings ConfigMap (a misspelt one would be ignored).
    const settings = generated(objects(), 'ConfigMap', 'frontend-config').data;
    expect(Object.keys(settings).filter((key) => !(key in validateEnv(env)))).toEqual([]);
    const mount = container.volumeMounts.find((m: any) => m.mountPath === '/etc/redis-passwd');
    expect(mount?.readOnly).toBe(true);
    const volume = deployment.spec.template.spec.volumes.find((v: any) => v.name === mount.name);
    expect(Object.keys(get(objects(), 'Secret', volume.secret.secretName).data)).toEqual(['passwd']);
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 8080 },
      { name: 'metrics', containerPort: 9464 },
    ]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz/live', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/healthz/ready', port: 'http' });
    expect(container.startupProbe.httpGet).toBeDefined();
    expect(get(objects(), 'Service', 'frontend').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http' }]);
  });

  it('reads the write tokens from a Secret with a stable name, so that changing it restarts no pod', () => {
    const deployment = get(objects(), 'Deployment', 'frontend');
    const volume = deployment.spec.template.spec.volumes.find((v: any) => v.name === 'journal-auth-tokens');
    expect(volume.secret.secretName).toBe('journal-auth-tokens');
    const secret = get(objects(), 'Secret', 'journal-auth-tokens');
    expect(Object.keys(secret.data)).toEqual(['tokens']);
    const tokens = parseTokensFile(Buffer.from(secret.data.tokens, 'base64').toString());
    expect(tokens.map((t) => t.name)).toEqual(['ops']);
  });

  it('runs Redis as 3 pods with a volume each, a headless Service for writes and a ClusterIP one for reads', () => {
    const redis = get(objects(), 'StatefulSet', 'redis');
    expect(redis.spec.replicas).toBe(3);
    expect(redis.spec.serviceName).toBe('redis-write');
    expect(redis.spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['data']);
    expect(redis.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    const read = get(objects(), 'Service', 'redis');
    expect(read.spec.type).toBe('ClusterIP');
    expect(read.spec.clusterIP).toBeUndefined();
    expect(read.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis' }]);
  });

  it('runs a Sentinel beside each Redis (the component): quorum of the three, the same password, probes, handover before stop', () => {
    const redis = get(objects(), 'StatefulSet', 'redis');
    const pod = redis.spec.template.spec;
    // Besides them, in prod: the backup component's archive sidecar.
    const [server, sentinel] = pod.containers.filter((c: any) => c.name !== 'aof-archive');
    expect([server.name, sentinel.name]).toEqual(['redis', 'sentinel']);
    expect(sentinel.image).toBe(server.image);
    expect(sentinel.command).toEqual(['sh', '/scripts/sentinel.sh']);
    expect(sentinel.ports).toEqual([{ name: 'sentinel', containerPort: 26379 }]);
    expect(sentinel.livenessProbe.tcpSocket).toEqual({ port: 'sentinel' });
    expect(sentinel.readinessProbe.exec.command).toEqual(['sh', '/scripts/ready.sh']);
    const sentinelEnv = containerEnv(objects(), redis, sentinel);
    const serverEnv = containerEnv(objects(), redis, server);
    expect(sentinelEnv).toMatchObject({
      LISTEN_PORT: '26379',
      ANNOUNCE_HOST: 'redis-0.redis-write',
      MASTER_NAME: 'journal',
      DOWN_AFTER_MS: '5000',
    });
    // The API asks the same three Sentinels, by the name they monitor.
    const api = get(objects(), 'Deployment', 'frontend');
    const apiEnv = containerEnv(objects(), api, api.spec.template.spec.containers[0]);
    expect(sentinelEnv.SENTINELS!.split(' ')).toEqual(apiEnv.REDIS_SENTINELS!.split(','));
    expect(serverEnv.SENTINELS).toBe(sentinelEnv.SENTINELS);
    expect(apiEnv.REDIS_MASTER_NAME).toBe(sentinelEnv.MASTER_NAME);
    expect(sentinelEnv.PEERS).toBe(serverEnv.PEERS);
    // Both read the password from the same Secret volume.
    const secretMount = (c: any) => c.volumeMounts.find((m: any) => m.mountPath === '/etc/redis-passwd').name;
    expect(secretMount(sentinel)).toBe(secretMount(server));
    expect(sentinelEnv.PASSWORD_FILE).toBe(serverEnv.PASSWORD_FILE);
    // The primary hands over in preStop, within the grace period.
    expect(server.lifecycle.preStop.exec.command).toEqual(['sh', '/scripts/pre-stop.sh']);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(serverEnv.HANDOVER_SECONDS) + 10);
    // The Sentinels and the API reach port 26379; nothing else is opened (the backups, in prod: 6379 only).
    const policy = get(objects(), 'NetworkPolicy', 'redis');
    expect(policy.spec.ingress).toHaveLength(overlay === 'prod' ? 2 : 1);
    expect(policy.spec.ingress[0].ports).toEqual([{ port: 'redis' }, { port: 'sentinel' }]);
  });

  it('scales the API on CPU in prod (2 to 10 pods), on requests that the autoscaler and the disruption budget agree with', () => {
    const deployment = get(objects(), 'Deployment', 'frontend');
    const requests = deployment.spec.template.spec.containers.map((c: any) => c.resources.requests.cpu);
    const budget = get(objects(), 'PodDisruptionBudget', 'frontend');
    expect(budget.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/name': 'frontend' }) },
    });
    if (overlay === 'dev') {
      expect(find(objects(), 'HorizontalPodAutoscaler', 'frontend')).toBeUndefined();
      expect(deployment.spec.replicas).toBe(2);
      return;
    }
    const hpa = get(objects(), 'HorizontalPodAutoscaler', 'frontend');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'frontend' },
      minReplicas: 2,
      maxReplicas: 10,
    });
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    // The autoscaler owns the count; utilization is a share of each container's CPU request.
    expect(deployment.spec.replicas).toBeUndefined();
    expect(requests).toEqual(['1']);
    // At the autoscaler's minimum a drain may evict one pod, and one keeps serving.
    expect(evictable(budget, hpa.spec.minReplicas)).toBe(1);
    expect(hpa.spec.minReplicas - evictable(budget, hpa.spec.minReplicas)).toBeGreaterThanOrEqual(1);
  });

  it('has Prometheus scrape the metrics port (PodMonitor in prod, annotations in dev), which no Service or Ingress exposes', () => {
    const deployment = get(objects(), 'Deployment', 'frontend');
    const container = deployment.spec.template.spec.containers[0];
    const metrics = container.ports.find((p: any) => p.name === 'metrics');
    if (overlay === 'prod') {
      expect(get(objects(), 'PodMonitor', 'journal-api').spec.podMetricsEndpoints[0].port).toBe('metrics');
      expect(deployment.spec.template.metadata.annotations).toBeUndefined();
    } else {
      expect(find(objects(), 'PodMonitor', 'journal-api')).toBeUndefined();
      expect(deployment.spec.template.metadata.annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(metrics.containerPort),
        'prometheus.io/path': '/metrics',
      });
    }
    expect(containerEnv(objects(), deployment, container).METRICS_PORT).toBe(String(metrics.containerPort));
    const servicePorts = objects()
      .filter((o) => o.kind === 'Service')
      .flatMap((o) => o.spec.ports);
    expect(servicePorts.filter((p: any) => p.targetPort === 'metrics' || p.targetPort === metrics.containerPort)).toEqual([]);
  });

  it("lets only the edge's proxies reach the API and the web UI, and only the monitoring namespace the API's metrics", () => {
    const proxies = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } } };
    expect(get(objects(), 'NetworkPolicy', 'frontend').spec.ingress).toEqual([
      { from: [proxies], ports: [{ port: 'http' }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 'metrics' }] },
    ]);
    expect(get(objects(), 'NetworkPolicy', 'fileserver').spec.ingress).toEqual([{ from: [proxies], ports: [{ port: 'http' }] }]);
    for (const app of ['frontend', 'fileserver']) {
      expect(allowedClients(objects(), get(objects(), 'Deployment', app))).toEqual([]); // no pod of the journal's own
    }
  });

  it('lets only the API pods, the Redis pods themselves and (prod) the backups reach Redis', () => {
    expect(allowedClients(objects(), get(objects(), 'StatefulSet', 'redis')).sort()).toEqual(
      overlay === 'prod' ? ['frontend', 'redis', 'redis-backup'] : ['frontend', 'redis'],
    );
  });

  it('serves the web UI from NGINX on 8080 behind a Service on 80, configured by a generated ConfigMap', () => {
    const deployment = get(objects(), 'Deployment', 'fileserver');
    const pod = deployment.spec.template.spec;
    expect(pod.containers[0].ports).toEqual([{ name: 'http', containerPort: 8080 }]);
    expect(get(objects(), 'Service', 'fileserver').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
    const config = pod.volumes.find((v: any) => v.configMap);
    expect(config.configMap.name).toBe(generated(objects(), 'ConfigMap', 'fileserver-config').metadata.name);
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: config.name, mountPath: '/etc/nginx/conf.d', readOnly: true });
  });

  it('puts everything in a namespace that enforces the restricted profile', () => {
    const namespaces = objects().filter((o) => o.kind === 'Namespace');
    expect(namespaces).toHaveLength(1);
    expect(namespaces[0]!.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(objects().filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== namespaces[0]!.metadata.name)).toEqual([]);
  });
});

describe('the backup component (prod)', () => {
  const objects = () => renderings.prod!.objects;
  const backup = () => get(objects(), 'CronJob', 'redis-backup');
  const restore = () => get(objects(), 'CronJob', 'redis-restore');
  const pod = (cronJob: K8sObject) => podTemplate(cronJob).spec;
  const container = (cronJob: K8sObject, name: string) => containers(pod(cronJob)).find((c) => c.name === name);

  it('backs up hourly, one run at a time, from the Redis pods that PEERS lists, with the Redis image and a pinned restic', () => {
    expect(backup().spec).toMatchObject({ schedule: '17 * * * *', concurrencyPolicy: 'Forbid' });
    const redis = get(objects(), 'StatefulSet', 'redis');
    const redisEnv = containerEnv(objects(), redis, redis.spec.template.spec.containers[0]);
    const snapshot = container(backup(), 'snapshot');
    expect(snapshot.command).toEqual(['sh', '/scripts/snapshot.sh']);
    expect(containerEnv(objects(), backup(), snapshot)).toMatchObject({ PEERS: redisEnv.PEERS, PASSWORD_FILE: redisEnv.PASSWORD_FILE });
    expect(snapshot.image).toBe(redis.spec.template.spec.containers[0].image);
    expect(container(backup(), 'store').image).toBe('restic/restic:0.17.3');
    expect(pod(backup()).restartPolicy).toBe('Never');
  });

  it('encrypts with the key of Secret backup-key (from secrets/backup-key), keeps hourly backups 2 days, daily ones 30, outside the cluster', () => {
    const store = container(backup(), 'store');
    const env = containerEnv(objects(), backup(), store);
    expect(env).toMatchObject({ RESTIC_PASSWORD_FILE: '/etc/backup-key/password', KEEP_HOURLY: '48', KEEP_DAILY: '30' });
    const keyVolume = pod(backup()).volumes.find((v: any) => v.name === 'backup-key');
    expect(Object.keys(generated(objects(), 'Secret', 'backup-key').data)).toEqual(['password']);
    expect(keyVolume.secret.secretName).toBe(generated(objects(), 'Secret', 'backup-key').metadata.name);
    // Not the component's default volume: deleted with the namespace, or by `kubectl delete -k`.
    expect(env.RESTIC_REPOSITORY).toMatch(/^s3:/);
    expect(find(objects(), 'PersistentVolumeClaim', 'redis-backup-repository')).toBeUndefined();
    for (const name of ['redis-backup', 'redis-restore', 'redis-restore-drill']) {
      const claims = pod(get(objects(), 'CronJob', name)).volumes.filter((v: any) => v.persistentVolumeClaim);
      expect(claims.map((v: any) => v.persistentVolumeClaim.claimName)).toEqual(name === 'redis-restore' ? ['data-redis-0'] : []);
    }
  });

  it("restores from a suspended template onto redis-0's claim, refusing a volume with data unless FORCE=yes", () => {
    expect(restore().spec.suspend).toBe(true);
    const redis = get(objects(), 'StatefulSet', 'redis');
    const data = pod(restore()).volumes.find((v: any) => v.name === 'data');
    expect(data.persistentVolumeClaim.claimName).toBe(`${redis.spec.volumeClaimTemplates[0].metadata.name}-redis-0`);
    expect(containerEnv(objects(), restore(), container(restore(), 'prepare'))).toMatchObject({ FORCE: 'no', DATA_DIR: '/data' });
    expect(containerEnv(objects(), restore(), container(restore(), 'fetch'))).toMatchObject({ SNAPSHOT: 'latest' });
  });

  it("runs a monthly restore drill: the latest backup into an emptyDir and a fresh Redis, checked, never the journal's volumes", () => {
    const drill = get(objects(), 'CronJob', 'redis-restore-drill');
    expect(drill.spec).toMatchObject({ schedule: '23 5 1 * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    expect(drill.spec.suspend).toBeUndefined();
    expect(pod(drill).initContainers.map((c: any) => c.name)).toEqual(['fetch', 'prepare']);
    expect(pod(drill).containers.map((c: any) => [c.name, c.command])).toEqual([['drill', ['sh', '/scripts/drill.sh']]]);
    expect(containerEnv(objects(), drill, container(drill, 'fetch'))).toMatchObject({
      SNAPSHOT: 'latest',
      RESTIC_REPOSITORY: containerEnv(objects(), backup(), container(backup(), 'store')).RESTIC_REPOSITORY,
    });
    expect(pod(drill).volumes.find((v: any) => v.name === 'data')).toEqual({ name: 'data', emptyDir: { sizeLimit: '8Gi' } });
    expect(allowedClients(objects(), drill)).toEqual([]);
  });

  it('checks every 5 minutes that the point-in-time archive is shipped, against ARCHIVE_MAX_AGE', () => {
    const check = get(objects(), 'CronJob', 'redis-archive-check');
    expect(check.spec).toMatchObject({ schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid' });
    expect(pod(check).containers.map((c: any) => [c.name, c.command])).toEqual([['check', ['sh', '/scripts/archive-check.sh']]]);
    expect(containerEnv(objects(), check, container(check, 'check'))).toMatchObject({ ARCHIVE_MAX_AGE: '120' });
  });

  it('lets nothing in to the backup, restore and archive-check pods, and them only to Redis on 6379', () => {
    expect(allowedClients(objects(), backup())).toEqual([]);
    expect(allowedClients(objects(), restore())).toEqual([]);
    expect(allowedClients(objects(), get(objects(), 'CronJob', 'redis-archive-check'))).toEqual([]);
    const rule = get(objects(), 'NetworkPolicy', 'redis').spec.ingress[1];
    expect(rule).toEqual({
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis-backup' } } }],
      ports: [{ port: 'redis' }],
    });
  });
});

it('keeps the base without the Sentinel component as the plain pair: redis-0 primary, the API on the two URLs', () => {
  const objects = render(join(kustomizeCopy(), 'base')).objects;
  const redis = get(objects, 'StatefulSet', 'redis');
  expect(redis.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['redis']);
  const api = get(objects, 'Deployment', 'frontend');
  const env = containerEnv(objects, api, api.spec.template.spec.containers[0]);
  expect(env).toMatchObject({ REDIS_WRITE_URL: 'redis://redis-0.redis-write:6379', REDIS_READ_URL: 'redis://redis:6379' });
  // The base's journal is public, as the source's was; the overlays make it signed-in.
  expect(env.READ_ACCESS).toBe('public');
  expect(env.REDIS_SENTINELS).toBeUndefined();
  expect(checkScripts(objects)).toEqual([]);
});

describe('the checks catch what they are for', () => {
  const source = parseAllDocuments(readFileSync(join(import.meta.dirname, 'source-mistakes.yaml'), 'utf8')).map(
    (doc) => doc.toJS() as K8sObject,
  );
  const fromSource = (kind: string, name: string) => get(source, kind, name);

  /** The prod rendering (or another) with one thing broken. */
  const broken = (breakIt: (objects: K8sObject[]) => void, rendering = renderings.prod!.objects): K8sObject[] => {
    const objects = structuredClone(rendering);
    breakIt(objects);
    return objects;
  };
  const pod = (objects: K8sObject[], kind: string, name: string) => get(objects, kind, name).spec.template.spec;
  const api = (objects: K8sObject[]) => pod(objects, 'Deployment', 'frontend').containers[0];

  it("schema: the source's resources.request, and its secretName outside secret:", () => {
    expect(checkSchema([fromSource('Deployment', 'frontend')])).toEqual([
      'Deployment/frontend.spec.template.spec.containers[0].resources.request: unknown field (not in V1ResourceRequirements)',
    ]);
    expect(checkSchema([fromSource('Deployment', 'frontend-secret-volume')])).toEqual([
      'Deployment/frontend-secret-volume.spec.template.spec.volumes[0].secretName: unknown field (not in V1Volume)',
    ]);
  });

  it('schema: a wrong type, a missing required field in the Issuer', () => {
    expect(checkSchema(broken((o) => (get(o, 'Deployment', 'frontend').spec.replicas = 'two')))).toEqual([
      'Deployment/frontend.spec.replicas: must be a number, got "two"',
    ]);
    expect(checkSchema(broken((o) => delete get(o, 'Issuer', 'letsencrypt').spec.acme.server))).toEqual([
      'Issuer/letsencrypt: data/spec/acme must have required property server',
    ]);
  });

  it('Services: a selector that matches nothing, a target port no container has', () => {
    expect(checkServices(broken((o) => (get(o, 'Service', 'frontend').spec.selector = { app: 'frontend' })))).toEqual([
      'Service/frontend: its selector matches no pod template',
    ]);
    expect(checkServices(broken((o) => (get(o, 'Service', 'fileserver').spec.ports[0].targetPort = 80)))).toEqual([
      'Service/fileserver: target port 80 is not a port of Deployment/fileserver',
    ]);
  });

  it("Ingress: the source's /api to fileserver:8080, a missing Service, a TLS host without a rule", () => {
    expect(checkIngresses([fromSource('Ingress', 'frontend-ingress'), fromSource('Service', 'fileserver')])).toEqual([
      'Ingress/frontend-ingress: Service fileserver has no port 8080',
    ]);
    expect(checkIngresses(broken((o) => o.splice(o.indexOf(get(o, 'Service', 'frontend')), 1), withIngress))).toEqual([
      'Ingress/journal: backend Service frontend does not exist',
    ]);
    expect(checkIngresses(broken((o) => (get(o, 'Ingress', 'journal').spec.tls[0].hosts = ['other.example.com']), withIngress))).toEqual([
      'Ingress/journal: TLS host other.example.com has no rule',
    ]);
  });

  it("HTTPRoute: the source's /api to fileserver:8080, a missing Service, a listener or host the Gateway lacks", () => {
    const api = (o: K8sObject[]) => get(o, 'HTTPRoute', 'journal').spec.rules[0].backendRefs[0];
    expect(checkRoutes(broken((o) => Object.assign(api(o), { name: 'fileserver', port: 8080 })))).toEqual([
      'HTTPRoute/journal: Service fileserver has no port 8080',
    ]);
    expect(checkRoutes(broken((o) => o.splice(o.indexOf(get(o, 'Service', 'frontend')), 1)))).toEqual([
      'HTTPRoute/journal: backend Service frontend does not exist',
    ]);
    expect(checkRoutes(broken((o) => (get(o, 'HTTPRoute', 'journal').spec.parentRefs[0].sectionName = 'tls')))).toEqual([
      'HTTPRoute/journal: Gateway journal has no listener tls',
    ]);
    expect(checkRoutes(broken((o) => (get(o, 'HTTPRoute', 'journal').spec.hostnames = ['other.example.com'])))).toEqual([
      'HTTPRoute/journal: no listener of Gateway journal serves other.example.com',
    ]);
    expect(checkSchema(broken((o) => (api(o).port = '8080')))).toEqual([
      expect.stringMatching(/^HTTPRoute\/journal: data\/spec\/rules\/0\/backendRefs\/0\/port must be integer/),
    ]);
    // Unknown fields in custom resources too: a misspelt sectionName, a misplaced cert-manager solver.
    expect(checkSchema(broken((o) => (get(o, 'HTTPRoute', 'journal').spec.parentRefs[0].sectionname = 'https')))).toEqual([
      'HTTPRoute/journal: data/spec/parentRefs/0/sectionname: unknown field',
    ]);
    expect(checkSchema(broken((o) => (get(o, 'Issuer', 'letsencrypt').spec.acme.gatewayHTTPRoute = {})))).toEqual([
      'Issuer/letsencrypt: data/spec/acme/gatewayHTTPRoute: unknown field',
    ]);
  });

  it("references: a missing ConfigMap, a missing Secret, the source's Secret volume, a missing Issuer", () => {
    expect(checkReferences(broken((o) => (api(o).envFrom[0].configMapRef.name = 'frontend-settings')))).toEqual([
      'Deployment/frontend: ConfigMap frontend-settings does not exist',
    ]);
    expect(
      checkReferences(
        broken((o) =>
          o.splice(
            o.findIndex((x) => x.kind === 'Secret' && x.metadata.name.startsWith('redis-passwd-')),
            1,
          ),
        ),
      ),
    ).toEqual([
      expect.stringMatching(/^Deployment\/frontend: Secret redis-passwd-\w+ does not exist$/),
      expect.stringMatching(/^StatefulSet\/redis: Secret redis-passwd-\w+ does not exist$/),
      expect.stringMatching(/^CronJob\/redis-backup: Secret redis-passwd-\w+ does not exist$/),
      expect.stringMatching(/^CronJob\/redis-restore: Secret redis-passwd-\w+ does not exist$/),
      expect.stringMatching(/^CronJob\/redis-restore-drill: Secret redis-passwd-\w+ does not exist$/),
    ]);
    expect(checkReferences([fromSource('Deployment', 'frontend-secret-volume')])).toEqual([
      'Deployment/frontend-secret-volume: a Secret reference names no Secret',
    ]);
    expect(checkReferences(broken((o) => o.splice(o.indexOf(get(o, 'Issuer', 'letsencrypt')), 1)))).toEqual([
      'Gateway/journal: Issuer letsencrypt does not exist',
    ]);
    expect(checkReferences(broken((o) => o.splice(o.indexOf(get(o, 'Issuer', 'letsencrypt')), 1), withIngress))).toEqual([
      'Ingress/journal: Issuer letsencrypt does not exist',
    ]);
  });

  it("StatefulSet: the source's serviceName pointing at the ClusterIP read Service", () => {
    expect(checkStatefulSets([fromSource('StatefulSet', 'redis'), fromSource('Service', 'redis')])).toEqual([
      'StatefulSet/redis: governing Service redis is not headless (clusterIP: None)',
    ]);
  });

  it('restricted profile: each rule', () => {
    const expectations: [string, (o: K8sObject[]) => void][] = [
      ['runAsNonRoot is not true', (o) => delete pod(o, 'Deployment', 'frontend').securityContext.runAsNonRoot],
      ['allowPrivilegeEscalation is not false', (o) => (api(o).securityContext.allowPrivilegeEscalation = true)],
      ['seccomp profile is unset', (o) => delete pod(o, 'Deployment', 'frontend').securityContext.seccompProfile],
      ['does not drop ALL capabilities', (o) => (api(o).securityContext.capabilities.drop = [])],
      ['adds capability SYS_ADMIN', (o) => (api(o).securityContext.capabilities.add = ['SYS_ADMIN'])],
      ['privileged', (o) => (api(o).securityContext.privileged = true)],
      ['hostNetwork is on', (o) => (pod(o, 'Deployment', 'frontend').hostNetwork = true)],
      ['is a hostPath volume', (o) => pod(o, 'Deployment', 'frontend').volumes.push({ name: 'host', hostPath: { path: '/' } })],
      ['runs as uid 0', (o) => (api(o).securityContext.runAsUser = 0)],
    ];
    for (const [problem, breakIt] of expectations) {
      expect(checkRestricted(broken(breakIt))).toEqual([expect.stringContaining(problem)]);
    }
  });

  it("images: the source's tags, latest, no tag", () => {
    expect(checkImages([fromSource('Deployment', 'frontend'), fromSource('StatefulSet', 'redis')])).toEqual([
      'Deployment/frontend container frontend: image my-repo/journal-server:v1-abcde is not pinned to a version',
      'StatefulSet/redis container redis: image redis:5-alpine is not pinned to a version',
    ]);
    for (const image of ['registry.example.com/journal/api:latest', 'registry.example.com/journal/api', 'redis:8-alpine']) {
      expect(checkImages(broken((o) => (api(o).image = image)))).toHaveLength(1);
    }
  });

  it('hardening: a service account token, a writable root, no limit, requests below limits, no probe', () => {
    const expectations: [string, (o: K8sObject[]) => void][] = [
      ['automountServiceAccountToken is not false', (o) => delete pod(o, 'Deployment', 'frontend').automountServiceAccountToken],
      ['root filesystem is writable', (o) => (api(o).securityContext.readOnlyRootFilesystem = false)],
      ['no memory limit', (o) => delete api(o).resources.limits.memory],
      ['cpu request is not its limit', (o) => (api(o).resources.requests.cpu = '100m')],
      ['no readiness probe', (o) => delete api(o).readinessProbe],
    ];
    for (const [problem, breakIt] of expectations) {
      expect(checkHardening(broken(breakIt))).toEqual([expect.stringContaining(problem)]);
    }
  });

  it('auth: AUTH_MODE off or missing, the tokens mounted with subPath or writable, or not mounted', () => {
    const where = 'Deployment/frontend container frontend';
    const env = (o: K8sObject[]) => api(o).env as { name: string; value?: string }[];
    expect(checkAuth(broken((o) => (env(o).find((e) => e.name === 'AUTH_MODE')!.value = 'off')))).toEqual([
      `${where}: AUTH_MODE is "off", not "token": anyone could write`,
    ]);
    expect(checkAuth(broken((o) => (api(o).env = env(o).filter((e) => e.name !== 'AUTH_MODE'))))).toEqual([
      `${where}: AUTH_MODE is undefined, not "token": anyone could write`,
    ]);
    const tokensMount = (o: K8sObject[]) => api(o).volumeMounts.find((m: any) => m.name === 'journal-auth-tokens');
    expect(checkAuth(broken((o) => Object.assign(tokensMount(o), { mountPath: '/etc/journal-auth/tokens', subPath: 'tokens' })))).toEqual([
      `${where}: no volume is mounted where AUTH_TOKENS_FILE (/etc/journal-auth/tokens) is`,
    ]);
    expect(
      checkAuth(broken((o) => api(o).volumeMounts.push({ ...tokensMount(o), mountPath: '/etc/journal-auth-copy', subPath: 'tokens' }))),
    ).toEqual([`${where}: the tokens volume is mounted at /etc/journal-auth-copy with subPath, so token changes never reach the pod`]);
    expect(checkAuth(broken((o) => (tokensMount(o).readOnly = false)))).toEqual([`${where}: the tokens volume is not mounted readOnly`]);
  });

  it('availability: one replica, no disruption budget', () => {
    expect(checkAvailability(broken((o) => (get(o, 'Deployment', 'fileserver').spec.replicas = 1)))).toEqual([
      'Deployment/fileserver: fewer than 2 replicas',
    ]);
    expect(checkAvailability(broken((o) => o.splice(o.indexOf(get(o, 'PodDisruptionBudget', 'redis')), 1)))).toEqual([
      'StatefulSet/redis: no PodDisruptionBudget selects its pods',
    ]);
    expect(checkAvailability(broken((o) => (get(o, 'HorizontalPodAutoscaler', 'frontend').spec.minReplicas = 1)))).toEqual([
      'Deployment/frontend: fewer than 2 replicas',
    ]);
  });

  it('disruption budgets: one that a drain cannot get past at the pods running', () => {
    const budget = (o: K8sObject[], name: string) => get(o, 'PodDisruptionBudget', name).spec;
    expect(checkAvailability(broken((o) => (budget(o, 'frontend').maxUnavailable = 0)))).toEqual([
      'Deployment/frontend: PodDisruptionBudget/frontend blocks a node drain at 2 pods',
    ]);
    expect(
      checkAvailability(broken((o) => Object.assign(budget(o, 'fileserver'), { maxUnavailable: undefined, minAvailable: '100%' }))),
    ).toEqual(['Deployment/fileserver: PodDisruptionBudget/fileserver blocks a node drain at 2 pods']);
  });

  it('autoscaling: a replica count that fights the autoscaler, no CPU request, no scale-down window, bounds', () => {
    const hpa = (o: K8sObject[]) => get(o, 'HorizontalPodAutoscaler', 'frontend').spec;
    const expectations: [string, (o: K8sObject[]) => void][] = [
      ['Deployment/frontend sets spec.replicas, which an apply would reset', (o) => (get(o, 'Deployment', 'frontend').spec.replicas = 3)],
      ['container frontend has no CPU request', (o) => delete api(o).resources.requests.cpu],
      ['no scale-down stabilization window', (o) => delete hpa(o).behavior.scaleDown.stabilizationWindowSeconds],
      ['maxReplicas not above minReplicas', (o) => (hpa(o).maxReplicas = 2)],
      ['Deployment web does not exist', (o) => (hpa(o).scaleTargetRef.name = 'web')],
    ];
    for (const [problem, breakIt] of expectations) {
      expect(checkAutoscaling(broken(breakIt))).toEqual([`HorizontalPodAutoscaler/frontend: ${problem}`]);
    }
  });

  it('scripts: a script missing from its ConfigMap, and one that a script sources', () => {
    const scripts = (o: K8sObject[]) => o.find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith('redis-scripts-'))!;
    expect(checkScripts(broken((o) => delete scripts(o).data['pre-stop.sh']))).toEqual([
      expect.stringMatching(/^StatefulSet\/redis container redis: \/scripts\/pre-stop.sh is not in ConfigMap redis-scripts-\w+$/),
    ]);
    expect(checkScripts(broken((o) => delete scripts(o).data['peers.sh']))).toEqual([
      expect.stringMatching(/^StatefulSet\/redis container redis: \/scripts\/peers.sh is not in ConfigMap/),
      expect.stringMatching(/^StatefulSet\/redis container sentinel: \/scripts\/peers.sh is not in ConfigMap/),
    ]);
  });

  it('network policy: without it every pod reaches Redis; a selector kustomize rewrote lets the API out', () => {
    const redis = (o: K8sObject[]) => get(o, 'StatefulSet', 'redis');
    const noPolicy = broken((o) => o.splice(o.indexOf(get(o, 'NetworkPolicy', 'redis')), 1));
    expect(allowedClients(noPolicy, redis(noPolicy))).toContain('fileserver');
    const rewritten = broken(
      (o) => (get(o, 'NetworkPolicy', 'redis').spec.ingress[0].from[0].podSelector.matchLabels['app.kubernetes.io/name'] = 'redis'),
    );
    expect(allowedClients(rewritten, redis(rewritten))).toEqual(['redis', 'redis-backup']);
    expect(find(renderings.prod!.objects, 'NetworkPolicy', 'redis')).toBeDefined();
  });
});
