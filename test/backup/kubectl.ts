import { spawn } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { scratch } from '../kustomize/manifests.js';
import type { RedisCluster } from '../support/sentinel.js';
import type { BackupPods, Run } from './scripts.js';

/** What the namespace's workloads do when kubectl scales them: the test's own processes. */
export interface Workloads {
  /** Deployment frontend scaled to 0, or back up. */
  stopApi(): Promise<void>;
  startApi(): Promise<void>;
  /** StatefulSet redis scaled to 0 (pods and their emptyDirs go), or to 3 (redis-0 first). */
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
}

type Answer = { code: number; stdout?: string; stderr?: string };

const RESTORE_SH = resolve('kustomize/components/backup/restore.sh');

/**
 * The kubectl that restore.sh finds on its PATH, answering each call from the local pods: the
 * Redis pods and the API scale as `workloads` do it, claims are their data folders, `exec` runs
 * in a pod's place, and Jobs from the backup CronJobs run as BackupPods runs them. A call it does
 * not know fails the script with a line naming it. `calls`: every call, in order.
 */
export class FakeKubectl {
  readonly calls: string[] = [];
  apiReplicas = 1;
  backupsSuspended = false;
  private readonly jobs = new Map<string, { run?: Run }>();
  private rollout: Promise<void> = Promise.resolve();
  private server?: Server;
  private readonly bin = scratch('journal-kubectl-');

  constructor(
    private readonly cluster: RedisCluster,
    private readonly pods: BackupPods,
    private readonly workloads: Workloads,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const { args, stdin } = JSON.parse(body) as { args: string[]; stdin: string };
        this.answer(args, stdin)
          .catch((error: unknown): Answer => ({ code: 1, stderr: `fake kubectl: ${String(error)}\n` }))
          .then((answer) => res.end(JSON.stringify(answer)));
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    writeFileSync(
      join(this.bin, 'kubectl.mjs'),
      `const args = process.argv.slice(2);
let stdin = '';
if (args.includes('-')) for await (const chunk of process.stdin) stdin += chunk;
const answer = await (await fetch(${JSON.stringify(url)}, { method: 'POST', body: JSON.stringify({ args, stdin }) })).json();
process.stdout.write(answer.stdout ?? '');
process.stderr.write(answer.stderr ?? '');
process.exitCode = answer.code;
`,
    );
    writeFileSync(join(this.bin, 'kubectl'), `#!/bin/sh\nexec node ${join(this.bin, 'kubectl.mjs')} "$@"\n`);
    chmodSync(join(this.bin, 'kubectl'), 0o755);
  }

  async stop(): Promise<void> {
    await new Promise((done) => this.server?.close(done));
  }

  /** restore.sh with `args`, as an operator runs it; what it printed (stdout and stderr) and how it ended. */
  restoreSh(args: string[]): Promise<Run> {
    const child = spawn('sh', [RESTORE_SH, '-n', 'journal', ...args], {
      env: { ...process.env, PATH: `${this.bin}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    return new Promise((done) => child.once('close', (code) => done({ code, output }))); // 'exit' can come before the last output
  }

  private async answer(all: string[], stdin: string): Promise<Answer> {
    const args = all[0] === '-n' ? all.slice(2) : all;
    const call = args.join(' ');
    this.calls.push(call);
    const [verb, kind, name] = args;
    const pod = (podName: string) => this.cluster.pods.find((p) => p.name === podName);
    if (call === 'get pvc -o name') {
      const claims = this.cluster.pods.filter((p) => existsSync(p.dataDir)).map((p) => `persistentvolumeclaim/data-${p.name}\n`);
      return { code: 0, stdout: claims.join('') };
    }
    if (verb === 'exec' && args[2] === '-c' && args[3] === 'redis' && args[4] === '--') {
      const target = pod(kind!);
      if (!target || !target.redis.running) return { code: 1, stderr: `pod ${kind} is not running\n` };
      return this.shell(args.slice(5), { LISTEN_PORT: String(target.port), PASSWORD_FILE: this.cluster.passwordFile });
    }
    if (call === 'get deployment frontend -o jsonpath={.spec.replicas}') return { code: 0, stdout: String(this.apiReplicas) };
    if (verb === 'patch' && kind === 'cronjob' && name === 'redis-backup') {
      this.backupsSuspended = (JSON.parse(args[4]!) as { spec: { suspend: boolean } }).spec.suspend;
      return { code: 0 };
    }
    if (verb === 'scale' && kind === 'deployment' && name === 'frontend') {
      const replicas = Number(args[3]!.replace('--replicas=', ''));
      await (replicas === 0 ? this.workloads.stopApi() : this.workloads.startApi());
      this.apiReplicas = replicas;
      return { code: 0 };
    }
    if (verb === 'get' && kind === 'pods' && call.includes('app.kubernetes.io/name=redis-backup')) {
      // A backup is running when the script starts; it ends before the next look.
      const running = this.calls.filter((c) => c === call).length === 1;
      return { code: 0, stdout: running ? 'pod/redis-backup-29404557-x2v9q\n' : '' };
    }
    if (call === 'scale statefulset redis --replicas=0') {
      await this.workloads.stopRedis();
      return { code: 0 };
    }
    if (call === 'scale statefulset redis --replicas=3') {
      // The StatefulSet makes the claims its pods lack: fresh volumes.
      for (const p of this.cluster.pods) if (!existsSync(p.dataDir)) p.newVolume();
      this.rollout = this.workloads.startRedis();
      return { code: 0 };
    }
    if (verb === 'rollout' && kind === 'status' && name === 'statefulset/redis') {
      await this.rollout;
      return { code: 0 };
    }
    if (verb === 'wait' && kind === '--for=delete') return { code: 0 };
    if (verb === 'delete' && args.at(-1) === '--wait=true') {
      for (const claim of args.slice(1, -1)) rmSync(pod(claim.replace('persistentvolumeclaim/data-', ''))!.dataDir, { recursive: true });
      return { code: 0 };
    }
    if (verb === 'get' && kind === 'statefulset' && name === 'redis') {
      return { code: 0, stdout: call.includes('.storage}') ? '10Gi' : '' };
    }
    if (verb === 'create' && kind === 'job' && args[3]?.startsWith('--from=cronjob/') && call.endsWith('--dry-run=client -o yaml')) {
      return { code: 0, stdout: `kind: Job\nmetadata:\n  name: ${name}\n# ${args[3]}\n` };
    }
    if (verb === 'set' && kind === 'env' && args.includes('--local') && args[args.indexOf('-c') + 1] === 'fetch') {
      return { code: 0, stdout: `${stdin}# ${args.find((arg) => arg.startsWith('SNAPSHOT='))}\n` };
    }
    if (call === 'apply -f -') return this.apply(stdin);
    if (verb === 'get' && kind === 'job' && this.jobs.has(name!)) {
      const run = this.jobs.get(name!)!.run;
      return { code: 0, stdout: run === undefined ? '/' : run.code === 0 ? '1/' : '/1' };
    }
    if (verb === 'logs' && kind?.startsWith('job/')) {
      const output = this.jobs.get(kind.slice(4))?.run?.output ?? '';
      const container = args[2] === '-c' ? `${args[3]}.sh: ` : '';
      return {
        code: 0,
        stdout: output
          .split(/(?<=\n)/)
          .filter((line) => line.startsWith(container))
          .join(''),
      };
    }
    return { code: 1, stderr: `fake kubectl: not handled: kubectl ${all.join(' ')}\n` };
  }

  /** `kubectl apply -f -` of a claim (a fresh volume for redis-0) or of a Job (it starts). */
  private async apply(yaml: string): Promise<Answer> {
    const name = /^ {2}name: (\S+)$/m.exec(yaml)?.[1];
    if (/^kind: PersistentVolumeClaim$/m.test(yaml) && name === 'data-redis-0') {
      this.cluster.pods[0]!.newVolume();
      return { code: 0 };
    }
    const cronJob = /^# --from=cronjob\/(\S+)$/m.exec(yaml)?.[1];
    const env = { SNAPSHOT: /^# SNAPSHOT=(\S+)$/m.exec(yaml)?.[1] ?? 'latest' };
    if (/^kind: Job$/m.test(yaml) && name && (cronJob === 'redis-restore' || cronJob === 'redis-restore-drill')) {
      const job: { run?: Run } = {};
      this.jobs.set(name, job);
      const running = cronJob === 'redis-restore' ? this.pods.restore(this.cluster.pods[0]!.dataDir, env) : this.pods.drill(env);
      void running.then((run) => (job.run = run));
      return { code: 0 };
    }
    return { code: 1, stderr: `fake kubectl: cannot apply:\n${yaml}` };
  }

  private shell(command: string[], env: Record<string, string>): Promise<Answer> {
    const child = spawn(command[0]!, command.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    return new Promise((done) => child.once('close', (code) => done({ code: code ?? 1, stdout, stderr })));
  }
}
