import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { allChecks, checkAuth, checkReferences } from './checks.js';
import { find, get, kustomizeRoot, overlayNames, overlayWith, removeScratch, render, type K8sObject } from './manifests.js';

afterAll(removeScratch);

/**
 * Every component rendered on top of every overlay, as a user adds it (an edge component in
 * place of the overlay's own, a secret source in place of its secretGenerator), and held to the
 * same checks as the overlays. Settings that a component reads beyond the overlays' edge.yaml:
 */
const settings: Record<string, Record<string, string>> = {
  'gateway-api/shared-gateway': {
    gatewayName: 'shared',
    gatewayNamespace: 'gateways',
    gatewayListener: 'https-wildcard',
    proxyNamespace: 'gateways',
  },
  ingress: { ingressClassName: 'example', proxyNamespace: 'ingress-controller' },
};

/** Component folders: a kustomization.yaml of kind Component, except edge-namespace (included by the edge components). */
const components = (function list(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const name = `${prefix}${entry.name}`;
      const own =
        existsSync(join(dir, entry.name, 'kustomization.yaml')) && name !== 'edge-namespace' && name !== 'gateway-api/route' ? [name] : [];
      return [...own, ...list(join(dir, entry.name), `${name}/`)];
    });
})(join(kustomizeRoot, 'components'));

const renderings: Record<string, K8sObject[]> = {};
beforeAll(() => {
  for (const overlay of overlayNames) {
    for (const component of components)
      renderings[`${overlay} + ${component}`] = render(overlayWith(overlay, [component], settings[component])).objects;
  }
});

it('finds the components', () => {
  expect(components.sort()).toEqual([
    'autoscaling',
    'backup',
    'external-secrets',
    'gateway-api/own-gateway',
    'gateway-api/shared-gateway',
    'ingress',
    'monitoring',
    'secrets-store-csi',
    'sentinel',
  ]);
});

describe.each(overlayNames.flatMap((overlay) => components.map((component) => [`${overlay} + ${component}`])))('%s', (name) => {
  it.each(Object.entries(allChecks))('%s', (_, check) => {
    expect(check(renderings[name]!)).toEqual([]);
  });
});

describe('the edge', () => {
  const prod = (component: string) => renderings[`prod + ${component}`]!;
  const proxies = (objects: K8sObject[]) =>
    ['frontend', 'fileserver'].map(
      (app) => get(objects, 'NetworkPolicy', app).spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
    );

  it('on a shared Gateway: the route attaches to the Gateway edge.yaml names, the journal makes no Gateway or certificate', () => {
    const objects = prod('gateway-api/shared-gateway');
    expect(get(objects, 'HTTPRoute', 'journal').spec.parentRefs).toEqual([
      { name: 'shared', namespace: 'gateways', sectionName: 'https-wildcard' },
    ]);
    expect(get(objects, 'HTTPRoute', 'journal').spec.hostnames).toEqual(['journal.example.com']);
    for (const kind of ['Gateway', 'Issuer', 'Ingress']) expect(objects.filter((o) => o.kind === kind)).toEqual([]);
    expect(proxies(objects)).toEqual(['gateways', 'gateways']);
  });

  it("as an Ingress: the class edge.yaml gives, no controller-specific annotation, the controller's namespace let in", () => {
    const objects = prod('ingress');
    const ingress = get(objects, 'Ingress', 'journal');
    expect(ingress.spec.ingressClassName).toBe('example');
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/issuer': 'letsencrypt' });
    expect(ingress.spec.rules[0].host).toBe('journal.example.com');
    expect(ingress.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name, p.backend.service.port.number])).toEqual([
      ['/api', 'frontend', 8080],
      ['/', 'fileserver', 80],
    ]);
    expect(get(objects, 'Issuer', 'letsencrypt').spec.acme.solvers).toEqual([{ http01: { ingress: { ingressClassName: 'example' } } }]);
    for (const kind of ['Gateway', 'HTTPRoute']) expect(objects.filter((o) => o.kind === kind)).toEqual([]);
    expect(proxies(objects)).toEqual(['ingress-controller', 'ingress-controller']);
  });

  it('refuses to render without the settings it reads, naming the missing one', () => {
    expect(() => render(overlayWith('prod', ['ingress']))).toThrow(/data\.ingressClassName/);
  });
});

describe('secret sources', () => {
  /**
   * The volume behind `path` of each container that reads it: the password for API, Redis, Sentinel
   * (and in prod the archive sidecar of the backup component); the tokens for the API.
   */
  const mounts = (objects: K8sObject[], path = '/etc/redis-passwd') =>
    ['Deployment/frontend', 'StatefulSet/redis'].flatMap((id) => {
      const [kind, name] = id.split('/');
      const pod = get(objects, kind!, name!).spec.template.spec;
      return pod.containers
        .map((container: any) => container.volumeMounts?.find((m: any) => m.mountPath === path))
        .filter(Boolean)
        .map((mount: any) => pod.volumes.find((v: any) => v.name === mount.name));
    });
  const tokens = (objects: K8sObject[]) => mounts(objects, '/etc/journal-auth');
  /** Secret objects left, without hash suffix: prod's backup key still comes from its file (the backup component). */
  const secretNames = (objects: K8sObject[]) =>
    objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name.replace(/-\w{10}$/, ''));
  const seconds = (duration: string) =>
    [...duration.matchAll(/(\d+)(h|m|s)/g)].reduce(
      (sum, [, n, unit]) => sum + Number(n) * { h: 3600, m: 60, s: 1 }[unit as 'h' | 'm' | 's'],
      0,
    );

  it.each(overlayNames)(
    "External Secrets (%s): the operator's Secrets redis-passwd (key passwd) and journal-auth-tokens (key tokens), mounted where the pods read them",
    (overlay) => {
      const objects = renderings[`${overlay} + external-secrets`]!;
      expect(secretNames(objects)).toEqual(overlay === 'prod' ? ['backup-key'] : []);
      const external = get(objects, 'ExternalSecret', 'redis-passwd');
      expect(external.spec.target.name).toBe('redis-passwd');
      expect(external.spec.data.map((d: any) => d.secretKey)).toEqual(['passwd']);
      expect(mounts(objects)).toEqual(
        Array(overlay === 'prod' ? 4 : 3).fill({ name: 'redis-passwd', secret: { secretName: 'redis-passwd', defaultMode: 0o440 } }),
      );
      const tokensSource = get(objects, 'ExternalSecret', 'journal-auth-tokens');
      expect(tokensSource.spec.target).toEqual({ name: 'journal-auth-tokens', creationPolicy: 'Owner' });
      expect(tokensSource.spec.data.map((d: any) => d.secretKey)).toEqual(['tokens']);
      // A rotation reaches the pods within minutes, not the password's hour.
      expect(seconds(tokensSource.spec.refreshInterval)).toBeGreaterThan(0);
      expect(seconds(tokensSource.spec.refreshInterval)).toBeLessThanOrEqual(300);
      expect(tokens(objects)).toEqual([{ name: 'journal-auth-tokens', secret: { secretName: 'journal-auth-tokens', defaultMode: 0o440 } }]);
    },
  );

  it.each(overlayNames)('Secrets Store CSI (%s): the same files from CSI volumes, no Secret object at all', (overlay) => {
    const objects = renderings[`${overlay} + secrets-store-csi`]!;
    expect(secretNames(objects)).toEqual(overlay === 'prod' ? ['backup-key'] : []);
    const csi = (secretProviderClass: string) => ({
      driver: 'secrets-store.csi.k8s.io',
      readOnly: true,
      volumeAttributes: { secretProviderClass },
    });
    expect(mounts(objects)).toEqual(Array(overlay === 'prod' ? 4 : 3).fill({ name: 'redis-passwd', csi: csi('journal-secrets') }));
    expect(get(objects, 'SecretProviderClass', 'journal-secrets').spec.parameters.objects).toMatch(/objectName: passwd$/m);
    expect(tokens(objects)).toEqual([{ name: 'journal-auth-tokens', csi: csi('journal-auth-tokens') }]);
    expect(get(objects, 'SecretProviderClass', 'journal-auth-tokens').spec.parameters.objects).toMatch(/objectName: tokens$/m);
  });

  it('are checked: an ExternalSecret without the key, a missing SecretProviderClass, a field the CRD lacks', () => {
    expect(
      checkReferences(
        broken('prod + external-secrets', (o) => (get(o, 'ExternalSecret', 'redis-passwd').spec.target.name = 'redis-password')),
      ),
    ).toEqual([
      'Deployment/frontend: Secret redis-passwd does not exist',
      'StatefulSet/redis: Secret redis-passwd does not exist',
      'CronJob/redis-backup: Secret redis-passwd does not exist',
      'CronJob/redis-restore: Secret redis-passwd does not exist',
      'CronJob/redis-restore-drill: Secret redis-passwd does not exist',
    ]);
    expect(
      checkReferences(broken('prod + external-secrets', (o) => o.splice(o.indexOf(get(o, 'ExternalSecret', 'journal-auth-tokens')), 1))),
    ).toEqual(['Deployment/frontend: Secret journal-auth-tokens does not exist']);
    expect(
      checkReferences(broken('prod + secrets-store-csi', (o) => o.splice(o.indexOf(get(o, 'SecretProviderClass', 'journal-secrets')), 1))),
    ).toEqual([
      'Deployment/frontend: SecretProviderClass journal-secrets does not exist',
      'StatefulSet/redis: SecretProviderClass journal-secrets does not exist',
      'CronJob/redis-backup: SecretProviderClass journal-secrets does not exist',
      'CronJob/redis-restore: SecretProviderClass journal-secrets does not exist',
      'CronJob/redis-restore-drill: SecretProviderClass journal-secrets does not exist',
    ]);
    expect(
      allChecks['schema (no unknown field, right types)']!(
        broken('prod + secrets-store-csi', (o) => (get(o, 'SecretProviderClass', 'journal-secrets').spec.secretObject = [])),
      ),
    ).toEqual(['SecretProviderClass/journal-secrets: data/spec must NOT have additional properties (secretObject)']);
    expect(find(renderings['prod + external-secrets']!, 'ExternalSecret', 'redis-passwd')).toBeDefined();
  });

  it('the tokens from a CSI volume are checked like from a Secret: a missing class, subPath, a writable mount, AUTH_MODE off', () => {
    const where = 'Deployment/frontend container frontend';
    const api = (o: K8sObject[]) => get(o, 'Deployment', 'frontend').spec.template.spec.containers[0];
    const tokensMount = (o: K8sObject[]) => api(o).volumeMounts.find((m: any) => m.name === 'journal-auth-tokens');
    expect(
      checkAuth(broken('prod + secrets-store-csi', (o) => o.splice(o.indexOf(get(o, 'SecretProviderClass', 'journal-auth-tokens')), 1))),
    ).toEqual([`${where}: /etc/journal-auth/tokens is not in a Secret volume nor a CSI volume of an existing SecretProviderClass`]);
    expect(
      checkAuth(
        broken('prod + secrets-store-csi', (o) =>
          api(o).volumeMounts.push({ ...tokensMount(o), mountPath: '/etc/journal-auth-copy', subPath: 'tokens' }),
        ),
      ),
    ).toEqual([`${where}: the tokens volume is mounted at /etc/journal-auth-copy with subPath, so token changes never reach the pod`]);
    expect(checkAuth(broken('prod + secrets-store-csi', (o) => (tokensMount(o).readOnly = false)))).toEqual([
      `${where}: the tokens volume is not mounted readOnly`,
    ]);
    expect(
      checkAuth(broken('prod + secrets-store-csi', (o) => (api(o).env.find((e: any) => e.name === 'AUTH_MODE').value = 'off'))),
    ).toEqual([`${where}: AUTH_MODE is "off", not "token": anyone could write`]);
    expect(
      checkAuth(
        broken(
          'prod + secrets-store-csi',
          (o) =>
            (get(o, 'Deployment', 'frontend').spec.template.spec.volumes.find((v: any) => v.name === 'journal-auth-tokens').csi.driver =
              'other.csi.example.com'),
        ),
      ),
    ).toEqual([`${where}: /etc/journal-auth/tokens is not in a Secret volume nor a CSI volume of an existing SecretProviderClass`]);
  });
});

/** A copy of a rendering, broken by `breakIt`, for a check to catch. */
function broken(name: string, breakIt: (objects: K8sObject[]) => void): K8sObject[] {
  const objects = structuredClone(renderings[name]!);
  breakIt(objects);
  return objects;
}
