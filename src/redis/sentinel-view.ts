import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { redisConfig, type RedisConfig } from '../config/redis.config.js';
import { SENTINEL_TIMING } from './timing.js';

/** What a majority of the Sentinels, each heard within SENTINEL_TIMING.freshMs, agree on. */
export interface Agreed {
  /** The primary they name: address as the Sentinels announce it, run id ('' until they learned it), and the epoch of the failover that made it. */
  primary: { address: string; runId: string; configEpoch: number };
  /**
   * Every replica that any of the agreeing Sentinels could promote (not down in its view, priority not
   * 0), as `host:port` the way the primary lists its replicas (ROLE). A write is safe once all of
   * them hold it: the Sentinels promote a reachable replica, so none of these may lack it.
   */
  promotable: Set<string>;
}

/** One Sentinel's last answer, and when the question was sent (an answer is as old as its question). */
interface Answer {
  askedAt: number;
  primary: Agreed['primary'];
  /** s_down, o_down or failover_in_progress on the primary: a failover may be under way. */
  primaryInDoubt: boolean;
  promotable: string[];
}

const IN_DOUBT = ['s_down', 'o_down', 'failover_in_progress'];
const NOT_PROMOTABLE = ['s_down', 'o_down', 'disconnected'];

/**
 * Sentinel mode: asks every Sentinel, every SENTINEL_TIMING.pollMs, which primary it monitors and
 * which replicas it could promote. Active questions with a timeout, not socket events: a silent
 * partition (packets dropped, no reset) closes no socket, but it stops the answers, and an answer
 * older than SENTINEL_TIMING.freshMs no longer counts. Without fresh answers from a majority that
 * agree on one primary that none of them doubts, `agreed()` says why not, and no write may be
 * acknowledged (ReplicaAcks).
 */
@Injectable()
export class SentinelView implements OnModuleInit, OnApplicationShutdown {
  private readonly askers: { where: string; client: Redis }[];
  private readonly answers = new Map<string, Answer>();
  private readonly needed: number;
  private readonly masterName: string;
  private timer?: NodeJS.Timeout;

  constructor(@Inject(redisConfig.KEY) config: RedisConfig) {
    const endpoint = config.writer;
    if (typeof endpoint === 'string') {
      this.askers = [];
      this.needed = 0;
      this.masterName = '';
      return;
    }
    this.masterName = endpoint.masterName;
    this.needed = Math.floor(endpoint.sentinels.length / 2) + 1;
    this.askers = endpoint.sentinels.map(({ host, port }) => ({
      where: `${host}:${port}`,
      client: new Redis({
        host,
        port,
        password: config.password,
        connectionName: 'journal-sentinel-view',
        connectTimeout: SENTINEL_TIMING.askTimeoutMs,
        commandTimeout: SENTINEL_TIMING.askTimeoutMs,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => SENTINEL_TIMING.pollMs,
      }),
    }));
    for (const { client } of this.askers) client.on('error', () => undefined); // a Sentinel that does not answer is simply not fresh
  }

  /** True in Sentinel mode. */
  get enabled(): boolean {
    return this.askers.length > 0;
  }

  /** Waits (up to SENTINEL_TIMING.startWaitMs) for a first agreement, so that writes right after start are not refused. */
  async onModuleInit(): Promise<void> {
    if (!this.enabled) return;
    this.timer = setInterval(() => this.askAll(), SENTINEL_TIMING.pollMs).unref();
    this.askAll();
    const deadline = Date.now() + SENTINEL_TIMING.startWaitMs;
    while (typeof this.agreed() === 'string' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    for (const { client } of this.askers) client.disconnect();
  }

  /** What a fresh majority agrees on, or why there is no such agreement. */
  agreed(now = Date.now()): Agreed | string {
    const fresh = [...this.answers.values()].filter((answer) => now - answer.askedAt <= SENTINEL_TIMING.freshMs);
    if (fresh.length < this.needed) {
      return `only ${fresh.length} of the ${this.askers.length} Sentinels answered in the last ${SENTINEL_TIMING.freshMs} ms`;
    }
    const byAddress = new Map<string, Answer[]>();
    for (const answer of fresh) byAddress.set(answer.primary.address, [...(byAddress.get(answer.primary.address) ?? []), answer]);
    const majority = [...byAddress.values()].find((answers) => answers.length >= this.needed);
    if (!majority) return `the Sentinels that answered do not agree on the primary`;
    // A Sentinel learns a new primary's run id from its first INFO reply, a second or so after the switch.
    const primary = {
      address: majority[0]!.primary.address,
      runId: majority.find((answer) => answer.primary.runId !== '')?.primary.runId ?? '',
      configEpoch: Math.max(...majority.map((answer) => answer.primary.configEpoch)),
    };
    if (fresh.some((answer) => answer.primaryInDoubt && answer.primary.address === primary.address)) {
      return `a Sentinel judges the primary ${primary.address} down or is failing it over`;
    }
    // The replicas of this primary as the Sentinels that name it list them (one that still names the
    // old primary in mid-failover lists the new primary among its replicas).
    return { primary, promotable: new Set(majority.flatMap((answer) => answer.promotable)) };
  }

  /** Asks every Sentinel now, as when a failover was announced: the view follows it without waiting for the next poll. */
  askAll(): void {
    for (const asker of this.askers) {
      if (asker.client.status !== 'ready') continue;
      const askedAt = Date.now();
      Promise.all([asker.client.call('SENTINEL', 'MASTER', this.masterName), asker.client.call('SENTINEL', 'REPLICAS', this.masterName)])
        .then(([master, replicas]) => {
          const previous = this.answers.get(asker.where);
          if (previous && previous.askedAt > askedAt) return; // a slow answer to an older question
          this.answers.set(asker.where, this.answer(askedAt, fields(master as string[]), (replicas as string[][]).map(fields)));
        })
        .catch(() => undefined); // not fresh until it answers again
    }
  }

  private answer(askedAt: number, master: Map<string, string>, replicas: Map<string, string>[]): Answer {
    const flags = (master.get('flags') ?? '').split(',');
    return {
      askedAt,
      primary: {
        address: `${master.get('ip')}:${master.get('port')}`,
        runId: master.get('runid') ?? '',
        configEpoch: Number(master.get('config-epoch') ?? 0),
      },
      primaryInDoubt: flags.some((flag) => IN_DOUBT.includes(flag)),
      // A demoted primary is listed among the replicas before it follows the new one (the Sentinels
      // convert it about 8 s later); it reports itself a master, holds none of the new writes, and
      // is not waited for (decision record 0013).
      // One the Sentinel has had no INFO from since it listed it (master-host "?": a failover lists the
      // old primary afresh, and a hung one never answers) fails Sentinel's own selection rule (its
      // info-refresh is too old) and is not waited for.
      promotable: replicas
        .filter(
          (replica) =>
            replica.get('slave-priority') !== '0' &&
            replica.get('role-reported') !== 'master' &&
            replica.get('master-host') !== '?' &&
            !(replica.get('flags') ?? '').split(',').some((flag) => NOT_PROMOTABLE.includes(flag)),
        )
        .map((replica) => `${replica.get('ip')}:${replica.get('port')}`),
    };
  }
}

/** A Sentinel's flat reply [name, value, name, value, ...] as a map. */
function fields(reply: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(reply[i]!, reply[i + 1]!);
  return map;
}
