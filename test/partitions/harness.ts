import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ApiProcess } from '../support/api.js';
import type { ProcessUser } from '../support/processes.js';
import { repositoryLayout, type PodLayout, type RedisCluster, type RedisPod } from '../support/sentinel.js';
import { apiEnv } from '../failover/check.js';

/**
 * Network partitions between the processes of a Sentinel cluster and the API, all on this machine.
 *
 * Every process runs as its own system user (journal-redis0..2, journal-sentinel0..2, journal-api)
 * and is reached at its pod's own loopback address (127.0.0.21-23 for the pods, 127.0.0.24 for the
 * API), which the pods announce to each other and the API is given. Users, not network namespaces:
 * the existing helpers reach every Redis and Sentinel at 127.0.0.1 from the test process, and they
 * keep working while a partition holds (the test watches the cluster as kubectl exec would).
 *
 * The rules live in the chain JOURNAL-PARTITION, jumped to from OUTPUT. A connection is labelled
 * by who opened it (a conntrack mark set from the owner of its first packet) and who it was opened
 * to (its original destination address and port): that names the sender and the receiver of every
 * later packet, in both directions, also for processes that do not bind their source address (none
 * of them does). A cut is a silent DROP: no reset, no closed socket. Only connections that a
 * journal-* user opened are marked, so no other process's traffic (127.0.0.1 included) is touched.
 */

const CHAIN = 'JOURNAL-PARTITION';
const MARK_MASK = 0xff00;
/** Taken while the rules are in place, so that two runs do not remove each other's rules. */
const LOCK = join(tmpdir(), 'journal-partition.pid');
const PROBE = join(import.meta.dirname, 'probe.mjs');

/** A process of the cluster: the user it runs as, and the address and port it is reached at. */
export interface Node {
  name: string;
  user: string;
  host: string;
  port: number;
}

/** One direction of a link: packets from `from` to `to`. */
export interface Link {
  from: Node;
  to: Node;
}

const USERS = [
  'journal-redis0',
  'journal-redis1',
  'journal-redis2',
  'journal-sentinel0',
  'journal-sentinel1',
  'journal-sentinel2',
  'journal-api',
];

export const podHost = (index: number) => `127.0.0.${21 + index}`;
export const API_HOST = '127.0.0.24';

/** Why this machine cannot run the partition tests (root and iptables are needed); undefined when it can. */
export function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'partition tests skipped: they need root (iptables rules, one system user per process)';
  try {
    execFileSync('iptables', ['-S', 'OUTPUT'], { stdio: 'ignore' });
  } catch {
    return 'partition tests skipped: iptables is missing or does not work here';
  }
  return undefined;
}

function iptables(...args: string[]): void {
  execFileSync('iptables', ['-w', ...args], { stdio: 'ignore' });
}

/** Removes the chain and the jump to it, whatever is left of them (a run that crashed); synchronous, for the exit hook. */
function removeRules(): void {
  for (;;) {
    try {
      iptables('-D', 'OUTPUT', '-j', CHAIN);
    } catch {
      break;
    }
  }
  for (const step of ['-F', '-X']) {
    try {
      iptables(step, CHAIN);
    } catch {
      // not there
    }
  }
}

function userOf(name: string): ProcessUser {
  const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export const splitLinks = (a: Node[], b: Node[]): Link[] => [...oneWay(a, b), ...oneWay(b, a)];

export function oneWay(from: Node[], to: Node[]): Link[] {
  return from.flatMap((f) => to.map((t) => ({ from: f, to: t })));
}

/** The processes as Nodes, the users they run as, and the rules that cut links between them. */
export class Network {
  private readonly users = new Map<string, ProcessUser>();
  private cluster?: RedisCluster;
  private apiPort?: number;
  private cut: Link[] = [];
  private readonly exitHook = () => removeRules();

  private constructor(readonly scratch: string) {}

  /** Creates the users if missing, removes a crashed run's rules, and marks every connection a journal-* user opens. */
  static open(): Network {
    if (existsSync(LOCK)) {
      const pid = Number(readFileSync(LOCK, 'utf8'));
      if (pid !== process.pid && isAlive(pid)) throw new Error(`another partition run (pid ${pid}) holds the iptables chain ${CHAIN}`);
    }
    writeFileSync(LOCK, String(process.pid));
    removeRules();
    const scratch = mkdtempSync(join(tmpdir(), 'journal-partition-'));
    chmodSync(scratch, 0o755);
    const network = new Network(scratch);
    for (const user of USERS) {
      try {
        network.users.set(user, userOf(user));
      } catch {
        execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
        network.users.set(user, userOf(user));
      }
    }
    process.on('exit', network.exitHook);
    iptables('-N', CHAIN);
    iptables('-I', 'OUTPUT', '1', '-j', CHAIN);
    network.apply();
    return network;
  }

  close(): void {
    removeRules();
    process.off('exit', this.exitHook);
    rmSync(this.scratch, { recursive: true, force: true });
    rmSync(LOCK, { force: true });
  }

  user(name: string): ProcessUser {
    return this.users.get(name)!;
  }

  /** A copy of the password file that only `user` can read, as each container mounts the Secret. */
  passwordFile(password: string, user: string): string {
    const file = join(this.scratch, `passwd-${user}`);
    rmSync(file, { force: true });
    writeFileSync(file, password, { mode: 0o400 });
    const { uid, gid } = this.user(user);
    chownSync(file, uid, gid);
    return file;
  }

  /**
   * The Sentinel component's scripts and env (repositoryLayout), with each pod at its own address
   * and each container as its own user, owning its folders and its copy of the password.
   */
  layout(root: string): PodLayout {
    const base = repositoryLayout('sentinel', root);
    chmodSync(root, 0o755);
    const addresses = (cluster: RedisCluster, pod: RedisPod, user: string, dir: string) => {
      const { uid, gid } = this.user(user);
      chownSync(dir, uid, gid);
      return {
        ANNOUNCE_HOST: podHost(pod.index),
        PEERS: cluster.pods.map((p) => `${podHost(p.index)}:${p.port}`).join(' '),
        SENTINELS: cluster.pods.map((p) => `${podHost(p.index)}:${p.sentinelPort}`).join(' '),
        PRIMARY_HOST: podHost(0),
        PASSWORD_FILE: this.passwordFile(cluster.password, user),
      };
    };
    return {
      scripts: base.scripts,
      redisEnv: (cluster, pod) => ({
        ...base.redisEnv(cluster, pod),
        ...addresses(cluster, pod, `journal-redis${pod.index}`, pod.dataDir),
      }),
      sentinelEnv: (cluster, pod) => ({
        ...base.sentinelEnv(cluster, pod),
        ...addresses(cluster, pod, `journal-sentinel${pod.index}`, pod.sentinelDir),
      }),
      user: (pod, container) => this.user(`journal-${container}${pod.index}`),
    };
  }

  /** The built API in Sentinel mode as journal-api, given the Sentinels' own addresses. */
  async startApi(cluster: RedisCluster): Promise<ApiProcess> {
    const api = await ApiProcess.start(
      {
        ...apiEnv(cluster),
        REDIS_SENTINELS: cluster.pods.map((p) => `${podHost(p.index)}:${p.sentinelPort}`).join(','),
        REDIS_PASSWORD_FILE: this.passwordFile(cluster.password, 'journal-api'),
      },
      { user: this.user('journal-api') },
    );
    this.cluster = cluster;
    this.apiPort = api.port;
    return api;
  }

  redis(pod: RedisPod): Node {
    return { name: `redis-${pod.index}`, user: `journal-redis${pod.index}`, host: podHost(pod.index), port: pod.port };
  }

  sentinel(pod: RedisPod): Node {
    return { name: `sentinel-${pod.index}`, user: `journal-sentinel${pod.index}`, host: podHost(pod.index), port: pod.sentinelPort };
  }

  /** A pod's two processes. */
  pod(pod: RedisPod): Node[] {
    return [this.redis(pod), this.sentinel(pod)];
  }

  get api(): Node {
    return { name: 'api', user: 'journal-api', host: API_HOST, port: this.apiPort! };
  }

  get sentinels(): Node[] {
    return this.cluster!.pods.map((pod) => this.sentinel(pod));
  }

  /** Every process: the three pods' and the API. */
  get nodes(): Node[] {
    return [...this.cluster!.pods.flatMap((pod) => this.pod(pod)), this.api];
  }

  /** Cuts exactly these links (every other link works), in one atomic change of the chain. */
  set(links: Link[]): void {
    this.cut = links;
    this.apply();
  }

  private apply(): void {
    const mark = (user: string) => `0x${((0x21 + USERS.indexOf(user)) << 8).toString(16)}/0x${MARK_MASK.toString(16)}`;
    const rules = [
      ...USERS.map((user) => `-A ${CHAIN} -m conntrack --ctstate NEW -m owner --uid-owner ${user} -j CONNMARK --set-xmark ${mark(user)}`),
      ...this.cut.flatMap(({ from, to }) => [
        // What `from` sends on the connections it opened to `to`...
        `-A ${CHAIN} -m connmark --mark ${mark(from.user)} -m conntrack --ctdir ORIGINAL --ctorigdst ${to.host} --ctorigdstport ${to.port} -j DROP`,
        // ...and its answers on those `to` opened to it (SYN-ACKs included).
        `-A ${CHAIN} -m connmark --mark ${mark(to.user)} -m conntrack --ctdir REPLY --ctorigdst ${from.host} --ctorigdstport ${from.port} -j DROP`,
      ]),
    ];
    // Declaring the chain flushes it: the old rules go and the new ones come in one commit.
    execFileSync('iptables-restore', ['-w', '--noflush'], { input: `*filter\n:${CHAIN} - [0:0]\n${rules.join('\n')}\nCOMMIT\n` });
  }

  /**
   * Probes every link from every process's user and address (a TCP connect to each listener and
   * a UDP datagram each way) and throws unless exactly the links set are cut. A probe starved of
   * CPU can miss a connect that worked, never make one that was dropped: a link that looks cut
   * when it should be open is probed again, up to `rounds` times.
   */
  async expectLinks(timeoutMs = 500, rounds = 3): Promise<void> {
    const nodes = this.nodes;
    const isCut = (from: Node, to: Node) => this.cut.some((l) => l.from.name === from.name && l.to.name === to.name);
    let wrong: string[] = [];
    for (let round = 0; round < rounds; round++) {
      // All probes listen before any sends.
      const probes = await Promise.all(nodes.map((node) => Probe.start(node, this.user(node.user))));
      const results = await Promise.all(
        probes.map((p, i) =>
          p.run(
            nodes.filter((n) => n !== nodes[i]),
            timeoutMs,
          ),
        ),
      );
      wrong = nodes.flatMap((from, i) =>
        nodes
          .filter((to) => to !== from)
          .flatMap((to) => {
            const tcp = !isCut(from, to) && !isCut(to, from);
            const heard = results[nodes.indexOf(to)]!.heard.includes(from.name);
            return [
              ...(results[i]!.tcp[to.name] === tcp
                ? []
                : [`TCP ${from.name} -> ${to.name}: ${tcp ? 'cut' : 'open'}, set ${tcp ? 'open' : 'cut'}`]),
              ...(heard !== isCut(from, to)
                ? []
                : [`UDP ${from.name} -> ${to.name}: ${heard ? 'arrives' : 'lost'}, set ${heard ? 'cut' : 'open'}`]),
            ];
          }),
      );
      // Anything open that should be cut is a real failure at once.
      if (wrong.length === 0 || wrong.some((w) => /: (open|arrives),/.test(w))) break;
    }
    if (wrong.length > 0) throw new Error(`the links are not as set:\n${wrong.join('\n')}`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** probe.mjs run as a process's user at its address. */
class Probe {
  private constructor(
    private readonly node: Node,
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
  ) {}

  /** Resolves once it listens. */
  static async start(node: Node, user: ProcessUser): Promise<Probe> {
    const child = spawn(process.execPath, [PROBE, node.name, node.host, String(node.port)], { ...user, stdio: 'pipe' });
    const probe = new Probe(node, child, createInterface({ input: child.stdout })[Symbol.asyncIterator]());
    await probe.next('start');
    return probe;
  }

  /** What it reached of `targets`. */
  async run(targets: Node[], timeoutMs: number): Promise<{ tcp: Record<string, boolean>; heard: string[] }> {
    this.child.stdin.end(`${JSON.stringify({ targets: targets.map(({ name, host, port }) => ({ name, host, port })), timeoutMs })}\n`);
    return JSON.parse(await this.next('answer')) as { tcp: Record<string, boolean>; heard: string[] };
  }

  private async next(what: string): Promise<string> {
    const line = await this.lines.next();
    if (line.done) {
      let errors = '';
      for await (const chunk of this.child.stderr) errors += chunk;
      throw new Error(`the probe of ${this.node.name} did not ${what}: ${errors}`);
    }
    return line.value;
  }
}
