import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiProcess } from '../support/api.js';
import { bearer, newToken, tokenLine } from '../support/auth.js';
import { freePort } from '../support/ports.js';
import { containerEnv, find, get, podTemplate, scratch, type K8sObject } from './manifests.js';

/**
 * A pod's container as a local process: its volumes become scratch folders (ConfigMap and
 * Secret keys as files, emptyDir and claims as empty folders, kept between containers sharing `root`), and in-pod paths map onto them.
 * Tests then change only host names, ports and these paths, nothing else the manifest says.
 */
export class LocalPod {
  private readonly mounts: [mountPath: string, local: string][];

  /** `root`: another container's LocalPod root, for containers of one pod that share its volumes. */
  constructor(
    objects: K8sObject[],
    owner: K8sObject,
    container: any,
    readonly root = scratch('journal-pod-'),
  ) {
    // NGINX workers (when the tests run as root) and this user both read these folders.
    chmodSync(this.root, 0o755);
    const pod = podTemplate(owner).spec;
    const claims = new Set((owner.spec.volumeClaimTemplates ?? []).map((t: any) => t.metadata.name));
    this.mounts = (container.volumeMounts ?? []).map((mount: any) => {
      const local = join(this.root, mount.name);
      mkdirSync(local, { recursive: true, mode: 0o755 });
      const volume = pod.volumes?.find((v: any) => v.name === mount.name);
      if (volume?.configMap) this.writeKeys(local, lookup(objects, owner, 'ConfigMap', volume.configMap.name).data ?? {}, 'utf8');
      else if (volume?.secret) this.writeKeys(local, lookup(objects, owner, 'Secret', volume.secret.secretName).data ?? {}, 'base64');
      else if (!volume?.emptyDir && !volume?.persistentVolumeClaim && !claims.has(mount.name))
        throw new Error(`volume ${mount.name}: not supported here`);
      return [mount.mountPath, local];
    });
  }

  /** The local path for a path inside the pod (under one of its mounts). */
  path(inPod: string): string {
    const mount = this.mounts.find(([mountPath]) => inPod === mountPath || inPod.startsWith(`${mountPath}/`));
    if (!mount) throw new Error(`${inPod} is under no volume mount of the pod`);
    return mount[1] + inPod.slice(mount[0].length);
  }

  /** Like `path`, but leaves anything outside the mounts (a program name, a flag) as it is. */
  arg(value: string): string {
    return this.mounts.some(([mountPath]) => value.startsWith(mountPath)) ? this.path(value) : value;
  }

  private writeKeys(dir: string, data: Record<string, string>, encoding: BufferEncoding): void {
    for (const [key, value] of Object.entries(data)) writeFileSync(join(dir, key), Buffer.from(String(value), encoding), { mode: 0o644 });
  }
}

function lookup(objects: K8sObject[], owner: K8sObject, kind: string, name: string): K8sObject {
  const object = find(objects, kind, name, owner.metadata.namespace);
  if (!object) throw new Error(`${kind} ${name} does not exist`);
  return object;
}

/**
 * The API as Deployment frontend declares it, its env and mounted files made local; `addresses`
 * swaps the Redis addresses for local ones. Writes need a token (AUTH_MODE=token): one more line in
 * the mounted tokens file, as make-token.sh and a Secret update would add it, picked up without a
 * restart. `writeHeaders` carry that token.
 */
export async function startDeployedApi(
  objects: K8sObject[],
  addresses: (env: Record<string, string>) => Record<string, string>,
): Promise<{ api: ApiProcess; env: Record<string, string>; writeHeaders: Record<string, string> }> {
  const deployment = get(objects, 'Deployment', 'frontend');
  const container = deployment.spec.template.spec.containers[0];
  const local = new LocalPod(objects, deployment, container);
  const env = containerEnv(objects, deployment, container);
  const api = await ApiProcess.start(
    substitute(env, {
      PORT: String(await freePort()),
      METRICS_PORT: String(await freePort()),
      REDIS_PASSWORD_FILE: local.path(env.REDIS_PASSWORD_FILE!),
      AUTH_TOKENS_FILE: local.path(env.AUTH_TOKENS_FILE!),
      ...addresses(env),
    }),
  );
  const token = newToken();
  appendFileSync(local.path(env.AUTH_TOKENS_FILE!), `${tokenLine('tester', token)}\n`);
  await api.waitForOutput('reloaded');
  return { api, env, writeHeaders: { 'content-type': 'application/json', ...bearer(token) } };
}

/** `env` with some values replaced; each replaced variable must exist, so a rename is noticed. */
export function substitute(env: Record<string, string>, replacements: Record<string, string>): Record<string, string> {
  const missing = Object.keys(replacements).filter((name) => !(name in env));
  if (missing.length > 0) throw new Error(`the manifest's env has no ${missing.join(', ')}`);
  return { ...env, ...replacements };
}

/** A host:port inside a redis:// URL moved to 127.0.0.1:port, after checking it is the expected one. */
export function relocate(url: string, expectedHost: string, port: number): string {
  const parsed = new URL(url);
  if (parsed.host !== expectedHost) throw new Error(`${url} does not point at ${expectedHost}`);
  parsed.host = `127.0.0.1:${port}`;
  return parsed.toString();
}

/** Spawns a container's command with exactly `env` (plus PATH) and collects its output. */
export function runCommand(command: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(command[0]!, command.slice(1), { env: { PATH: process.env.PATH!, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return { child, output: () => output };
}

/** Exit code of a command run to its end (a probe). */
export async function exitCode(command: string[], env: Record<string, string>): Promise<number | null> {
  const { child } = runCommand(command, env);
  return new Promise((resolve) => child.once('exit', resolve));
}

export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
