import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { repoRoot } from '../support/api.js';

/** A rendered Kubernetes object, loosely typed: the checks read it like the API server would. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
}

export const kustomizeRoot = join(repoRoot, 'kustomize');
export const overlayNames = readdirSync(join(kustomizeRoot, 'overlays'));

const scratchFolders: string[] = [];

/** A fresh folder under the OS temp dir, removed by `removeScratch` (call it in afterAll). */
export function scratch(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  scratchFolders.push(folder);
  return folder;
}

export function removeScratch(): void {
  for (const folder of scratchFolders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

/**
 * A scratch copy of kustomize/ in which every overlay has a fresh password from make-secret.sh
 * and a write token for `ops` from make-token.sh, the way a user prepares a deploy. The repo's own tree is never touched (nor its secrets/).
 */
export function kustomizeCopy(): string {
  const copy = join(scratch('journal-kustomize-'), 'kustomize');
  cpSync(kustomizeRoot, copy, { recursive: true, filter: (src) => basename(src) !== 'secrets' });
  for (const overlay of overlayNames) {
    run('sh', [join(copy, 'make-secret.sh'), join(copy, 'overlays', overlay)]);
    run('sh', [join(copy, 'make-token.sh'), join(copy, 'overlays', overlay), 'ops']);
  }
  return copy;
}

/** Edits an overlay's kustomization.yaml in place (in a scratch copy). */
export function editKustomization(overlay: string, edit: (kustomization: any) => void): void {
  const file = join(overlay, 'kustomization.yaml');
  const kustomization = parse(readFileSync(file, 'utf8'));
  edit(kustomization);
  writeFileSync(file, JSON.stringify(kustomization)); // JSON is YAML
}

/** The components that choose the edge: an overlay lists exactly one. */
const isEdge = (path: string) => /(^|\/)(gateway-api\/[\w-]+|ingress)$/.test(path);
/** The components that provide the Redis password and the write tokens instead of the overlay's secretGenerator. */
const isSecretSource = (path: string) => /(^|\/)(external-secrets|secrets-store-csi)$/.test(path);

/**
 * A scratch copy of an overlay with these components (paths under kustomize/components) added,
 * the way a user switches: an edge component replaces the overlay's own, a secret source its
 * secretGenerator entries redis-passwd and journal-auth-tokens, the backup component gets its key; `settings` go into its edge.yaml. Returns the copy's folder.
 */
export function overlayWith(overlay: string, components: string[], settings: Record<string, string> = {}): string {
  const dir = join(kustomizeCopy(), 'overlays', overlay);
  editKustomization(dir, (k) => {
    const kept = (k.components ?? []).filter(
      (c: string) => !(components.some(isEdge) && isEdge(c)) && !components.includes(c.replace('../../components/', '')),
    );
    k.components = [...kept, ...components.map((name) => `../../components/${name}`)];
    if (components.some(isSecretSource))
      k.secretGenerator = k.secretGenerator.filter((g: any) => !['redis-passwd', 'journal-auth-tokens'].includes(g.name));
    // The backup component needs its key (make-secret.sh wrote the file) and a pinned restic, as prod has them.
    if (components.includes('backup') && !k.secretGenerator.some((g: any) => g.name === 'backup-key')) {
      k.secretGenerator.push({ name: 'backup-key', files: ['password=secrets/backup-key'] });
      k.images.push({ name: 'restic/restic', newTag: '0.17.3' });
    }
  });
  const edgeFile = join(dir, 'edge.yaml');
  const edge = parse(readFileSync(edgeFile, 'utf8'));
  Object.assign(edge.data, settings);
  writeFileSync(edgeFile, JSON.stringify(edge));
  return dir;
}

export interface Rendering {
  objects: K8sObject[];
  /** What kustomize printed on stderr: deprecation warnings land here. */
  warnings: string;
}

/** `kubectl kustomize DIR`, parsed. Throws with kustomize's message if it fails. */
export function render(dir: string): Rendering {
  const { stdout, stderr } = run('kubectl', ['kustomize', dir]);
  const objects = parseAllDocuments(stdout).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`kustomize printed invalid YAML: ${doc.errors[0]!.message}`);
    return doc.toJS() as K8sObject;
  });
  return { objects, warnings: stderr.trim() };
}

export function run(command: string, args: string[], options: { cwd?: string } = {}): { stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: options.cwd });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr || result.error}`);
  }
  return { stdout: result.stdout, stderr: result.stderr };
}

export function find(objects: K8sObject[], kind: string, name: string, namespace?: string): K8sObject | undefined {
  return objects.find(
    (o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace),
  );
}

export function get(objects: K8sObject[], kind: string, name: string): K8sObject {
  const object = find(objects, kind, name);
  if (!object) throw new Error(`the rendering has no ${kind} ${name}`);
  return object;
}

/** The one object of a kind whose name starts with `prefix` (generated names carry a hash suffix). */
export function generated(objects: K8sObject[], kind: string, prefix: string): K8sObject {
  const matches = objects.filter((o) => o.kind === kind && o.metadata.name.startsWith(`${prefix}-`));
  if (matches.length !== 1) throw new Error(`expected one ${kind} ${prefix}-<hash>, found ${matches.length}`);
  return matches[0]!;
}

export const workloadKinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'];

/** Kinds whose pods run to completion: no probes, no replicas, no disruption budget. */
export const batchKinds = ['Job', 'CronJob'];

/** A workload's pod template (a CronJob's is inside its Job template). */
export function podTemplate(object: K8sObject): any {
  return (object.kind === 'CronJob' ? object.spec?.jobTemplate?.spec?.template : object.spec?.template) ?? {};
}

/** Objects that run pods, with their pod template. */
export function workloads(objects: K8sObject[]): { object: K8sObject; template: any }[] {
  return objects.filter((o) => workloadKinds.includes(o.kind)).map((object) => ({ object, template: podTemplate(object) }));
}

/** All containers of a pod spec, init and ephemeral ones included. */
export function containers(podSpec: any): any[] {
  return [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? []), ...(podSpec?.ephemeralContainers ?? [])];
}

/** Label-selector semantics (matchLabels and matchExpressions, or a plain map as in Services). */
export function selects(selector: any, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  const matchLabels: Record<string, string> = selector.matchLabels || selector.matchExpressions ? (selector.matchLabels ?? {}) : selector;
  const expressions: any[] = selector.matchExpressions ?? [];
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return true;
  return (
    Object.entries(matchLabels).every(([key, value]) => labels[key] === value) &&
    expressions.every(({ key, operator, values = [] }) => {
      switch (operator) {
        case 'In':
          return values.includes(labels[key]);
        case 'NotIn':
          return !values.includes(labels[key]);
        case 'Exists':
          return key in labels;
        case 'DoesNotExist':
          return !(key in labels);
        default:
          return false;
      }
    })
  );
}

export function sameNamespace(a: K8sObject, b: K8sObject): boolean {
  return (a.metadata.namespace ?? 'default') === (b.metadata.namespace ?? 'default');
}

/**
 * A container's environment as the kubelet builds it from the rendering: plain values (with
 * `$(NAME)` of an earlier variable expanded), ConfigMap and Secret references resolved, and the
 * pod's name (fieldRef metadata.name: `podName`, by default the first pod of a StatefulSet).
 * Anything else (other fieldRefs...) is not used here: it throws.
 */
export function containerEnv(
  objects: K8sObject[],
  owner: K8sObject,
  container: any,
  podName = `${owner.metadata.name}-0`,
): Record<string, string> {
  const lookup = (kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> => {
    const source = find(objects, kind, name, owner.metadata.namespace);
    if (!source) throw new Error(`${owner.kind}/${owner.metadata.name}: ${kind} ${name} does not exist`);
    if (kind === 'ConfigMap') return source.data ?? {};
    return Object.fromEntries(Object.entries(source.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString()]));
  };
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const data = source.configMapRef ? lookup('ConfigMap', source.configMapRef.name) : lookup('Secret', source.secretRef.name);
    for (const [key, value] of Object.entries(data)) env[`${source.prefix ?? ''}${key}`] = value;
  }
  for (const { name, value, valueFrom } of container.env ?? []) {
    if (value !== undefined) env[name] = String(value).replace(/\$\((\w+)\)/g, (ref, variable: string) => env[variable] ?? ref);
    else if (valueFrom?.configMapKeyRef)
      env[name] = required(lookup('ConfigMap', valueFrom.configMapKeyRef.name), valueFrom.configMapKeyRef.key);
    else if (valueFrom?.secretKeyRef?.optional && !find(objects, 'Secret', valueFrom.secretKeyRef.name, owner.metadata.namespace))
      continue; // the kubelet leaves an optional variable of a missing Secret unset
    else if (valueFrom?.secretKeyRef) env[name] = required(lookup('Secret', valueFrom.secretKeyRef.name), valueFrom.secretKeyRef.key);
    else if (valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[name] = podName;
    else throw new Error(`env ${name}: unsupported source ${JSON.stringify(valueFrom)}`);
  }
  return env;
}

function required(data: Record<string, string>, key: string): string {
  if (!(key in data)) throw new Error(`no key ${key}`);
  return data[key]!;
}
