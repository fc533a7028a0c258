import type { RedisCluster } from '../support/sentinel.js';
import { storedEntries } from '../support/stored-entries.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One answer of the API: an entry (id) or a problem (status), or the fetch error's text. */
interface Reply {
  status: number;
  retryAfter: string | null;
  json: { id?: string; status?: number } | string | undefined;
  sentAt: number;
}

/**
 * Continuous creates, deletes and reads against the API, recording what the API acknowledged
 * and every answer that breaks a rule, so a test can compare it with what Redis kept.
 */
export class Load {
  /** Acknowledged creates (201): id → when. */
  readonly created = new Map<string, number>();
  /** Acknowledged deletes (204). */
  readonly deleted = new Set<string>();
  /** Deletes refused with a 503: they may or may not have happened, so these entries prove nothing. */
  readonly maybeDeleted = new Set<string>();
  /** Acknowledged writes (201, 204) in order: when each was sent and when it was answered. */
  readonly writes: { sentAt: number; ackedAt: number }[] = [];
  /** Ids acknowledged by two creates: the first entry was lost and its id handed out again. */
  readonly reused = new Set<string>();
  /** Refused writes that were a 503 problem with Retry-After, as the contract says. */
  refusedWrites = 0;
  reads = 0;
  /** Reads of an acknowledged entry that answered 404 (a replica behind); not a failure, but counted. */
  staleReads = 0;
  /** Rule breaks: failed reads, writes refused another way, a delete of an acknowledged entry that was gone. */
  readonly problems: string[] = [];
  slowest = { ms: 0, request: '' };
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly baseUrl: string,
    options: { writers?: number; readers?: number } = {},
  ) {
    this.loops = [
      ...Array.from({ length: options.writers ?? 2 }, (_, i) => this.writeLoop(i)),
      ...Array.from({ length: options.readers ?? 2 }, () => this.readLoop()),
    ];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** When the first write sent at or after `time` was acknowledged, in milliseconds after `time`. */
  writesResumedAfter(time: number): number | undefined {
    const first = this.writes.find((w) => w.sentAt >= time);
    return first === undefined ? undefined : first.ackedAt - time;
  }

  /** The longest time between two acknowledgements from `from` to `to` (a gap still open counts), and when it began. */
  longestWriteGap(from: number, to = Date.now()): { ms: number; after: string } {
    const times = [from, ...this.writes.map((w) => w.ackedAt).filter((t) => t >= from && t <= to), to];
    const gaps = times.slice(1).map((t, i) => ({ ms: t - times[i]!, after: new Date(times[i]!).toISOString() }));
    return gaps.reduce((longest, gap) => (gap.ms > longest.ms ? gap : longest));
  }

  /** Waits until a write sent at or after `time` is acknowledged; fails after `timeoutMs`. */
  async waitForWrites(time: number, timeoutMs: number): Promise<number> {
    const deadline = time + timeoutMs;
    while (Date.now() < deadline) {
      const gap = this.writesResumedAfter(time);
      if (gap !== undefined) return gap;
      await sleep(20);
    }
    throw new Error(`no write acknowledged within ${timeoutMs} ms`);
  }

  /** Acknowledged entries that are not on `pod`, and acknowledged deletes it has undone. */
  async lostOn(cluster: RedisCluster, pod: RedisCluster['pods'][number]): Promise<{ lost: string[]; undeleted: string[] }> {
    const ids = new Set(await storedEntries.ids({ command: (name, ...args) => cluster.command(pod, name, ...args) }));
    return {
      lost: [...this.created.keys()].filter((id) => this.settled(id) && !ids.has(id)),
      undeleted: [...this.deleted].filter((id) => ids.has(id)),
    };
  }

  /** Acknowledged and neither deleted nor possibly deleted: must be on every node. */
  private settled(id: string): boolean {
    return !this.deleted.has(id) && !this.maybeDeleted.has(id);
  }

  private async timed(method: string, path: string, body?: unknown): Promise<Reply> {
    const started = Date.now();
    try {
      const res = await fetch(this.baseUrl + path, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      return { status: res.status, retryAfter: res.headers.get('retry-after'), json: text ? JSON.parse(text) : undefined, sentAt: started };
    } catch (error) {
      return { status: 0, retryAfter: null, json: String(error), sentAt: started };
    } finally {
      const ms = Date.now() - started;
      if (ms > this.slowest.ms) this.slowest = { ms, request: `${method} ${path}` };
    }
  }

  private refused(what: string, reply: Reply): void {
    if (reply.status === 503 && reply.retryAfter !== null && typeof reply.json === 'object' && reply.json.status === 503)
      this.refusedWrites++;
    else this.problems.push(`${what}: ${reply.status} ${JSON.stringify(reply.json)}`);
  }

  private async writeLoop(writer: number): Promise<void> {
    for (let n = 0; this.running; n++) {
      const reply = await this.timed('POST', '/api/entries', { text: `writer ${writer} entry ${n}` });
      if (reply.status === 201) {
        const id = (reply.json as { id: string }).id;
        // A second 201 for one id: the first entry's create was lost and its id handed out again.
        if (this.created.has(id)) {
          this.reused.add(id);
          this.problems.push(`create: id ${id} acknowledged twice`);
        }
        this.created.set(id, Date.now());
        this.writes.push({ sentAt: reply.sentAt, ackedAt: Date.now() });
      } else this.refused('create', reply);
      // Every fifth write deletes an acknowledged entry.
      if (n % 5 === 4) {
        // Each writer deletes its own half of the ids: never two deletes of one entry at once.
        const id = [...this.created.keys()].find(
          (candidate) => this.settled(candidate) && candidate.charCodeAt(candidate.length - 1) % 2 === writer % 2,
        );
        if (id !== undefined) {
          const deletion = await this.timed('DELETE', `/api/entries/${id}`);
          if (deletion.status === 204) {
            this.deleted.add(id);
            this.writes.push({ sentAt: deletion.sentAt, ackedAt: Date.now() });
          } else if (deletion.status === 404) this.problems.push(`delete ${id}: 404, the acknowledged entry is gone`);
          else {
            this.maybeDeleted.add(id);
            this.refused(`delete ${id}`, deletion);
          }
        }
      }
      await sleep(5);
    }
  }

  private async readLoop(): Promise<void> {
    for (let n = 0; this.running; n++) {
      const ids = [...this.created.keys()].filter((id) => this.settled(id));
      const id = ids[Math.floor(Math.random() * ids.length)];
      const path = n % 2 === 0 && id !== undefined ? `/api/entries/${id}` : '/api/entries?page=1';
      const reply = await this.timed('GET', path);
      this.reads++;
      // A 404 of an entry deleted meanwhile is fine; of one still acknowledged, a replica is behind.
      if (reply.status === 404 && id !== undefined && this.settled(id)) this.staleReads++;
      else if (reply.status !== 200 && reply.status !== 404)
        this.problems.push(`read ${path}: ${reply.status} ${JSON.stringify(reply.json)}`);
      await sleep(5);
    }
  }

  /** One line of figures for the test output and the docs. */
  summary(): string {
    return (
      `${this.created.size} creates and ${this.deleted.size} deletes acknowledged, ${this.refusedWrites} writes refused with 503, ` +
      `${this.reads} reads (${this.staleReads} stale 404), slowest request ${this.slowest.ms} ms (${this.slowest.request})`
    );
  }
}
