import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { redisConfig, type RedisConfig } from '../config/redis.config.js';
import { REDIS_WRITER } from './redis.tokens.js';
import { SentinelView, type Agreed } from './sentinel-view.js';
import { REDIS_TIMING } from './timing.js';

/**
 * Events a Sentinel publishes from the moment a failover starts until it sends REPLICAOF NO ONE to
 * the replica it promotes. Voters announce their vote too, so the API hears of a failover from a
 * majority of the Sentinels even when it cannot hear the leader.
 */
const FAILOVER_STARTING = [
  '+try-failover',
  '+vote-for-leader',
  '+elected-leader',
  '+failover-state-select-slave',
  '+selected-slave',
  '+failover-state-send-slaveof-noone',
  '+failover-state-wait-promotion',
];
const SWITCH_MASTER = '+switch-master';
const VOTE = '+vote-for-leader';

/**
 * Sentinel mode: tells when confirming a write would be unsafe because the Sentinels are replacing
 * the primary. Once a Sentinel sends REPLICAOF NO ONE to the replica it promotes, that replica
 * stops following the old primary, but the other replica goes on copying the old primary's writes
 * (and WAIT counts it) until the leader moves it over, about a second later. Writes confirmed in
 * that second exist only on the old primary's side and vanish when it is demoted. It happens
 * whenever the Sentinels fail over a primary that is still up: judged down wrongly (a slow answer
 * with a short down-after) or asked to (SENTINEL FAILOVER).
 *
 * So it listens to every Sentinel's event channels and refuses, for the primary the Sentinels
 * agree on now (SentinelView), from the first sign of a failover of that primary (an attempt, a
 * promotion step naming it, or a vote in an epoch newer than the one that made it primary) until
 * a +switch-master moves away from it (or REDIS_TIMING.failoverHoldMs passed). An event about an earlier
 * failover, however late it arrives, names another primary or an older epoch: it never fences
 * the current one. It also drops the writer's connection at every +switch-master, so the writer
 * asks the Sentinels for the new primary. Without Sentinels (the two fixed URLs) it never refuses.
 */
@Injectable()
export class FailoverFence implements OnApplicationShutdown {
  private readonly logger = new Logger(FailoverFence.name);
  private readonly listeners: Redis[];
  private readonly masterName?: string;
  /**
   * The primaries (host:port) a failover was heard to start for, and until when that counts. A
   * +switch-master ends only the one it moves away from.
   */
  private readonly failovers = new Map<string, number>();
  /** Votes heard, by epoch, and until when they count. A vote names no primary: its epoch says which failover it is. */
  private readonly votes = new Map<number, number>();
  /** How many +switch-master announcements were heard (from any Sentinel). */
  private heardSwitches = 0;

  constructor(
    @Inject(REDIS_WRITER) private readonly writer: Redis,
    private readonly view: SentinelView,
    @Inject(redisConfig.KEY) config: RedisConfig,
  ) {
    const endpoint = config.writer;
    if (typeof endpoint === 'string') {
      this.listeners = [];
      return;
    }
    this.masterName = endpoint.masterName;
    this.listeners = endpoint.sentinels.map(({ host, port }) => this.listen(host, port, config.password));
  }

  /** Why a write to `primary` (as SentinelView agrees on it) must not be confirmed now, or undefined when it may be. */
  refusal(primary: Agreed['primary']): string | undefined {
    const now = Date.now();
    for (const [address, until] of this.failovers) if (now >= until) this.failovers.delete(address);
    for (const [epoch, until] of this.votes) if (now >= until || epoch <= primary.configEpoch) this.votes.delete(epoch);
    if (this.failovers.has(primary.address)) return `the Sentinels are failing over the primary ${primary.address}`;
    if (this.votes.size > 0) return `the Sentinels are voting to fail over the primary ${primary.address}`;
    return undefined;
  }

  /** Counts +switch-master announcements: a writer connection made before the latest one may be to the old primary. */
  get switches(): number {
    return this.heardSwitches;
  }

  onApplicationShutdown(): void {
    for (const listener of this.listeners) listener.disconnect();
  }

  private listen(host: string, port: number, password: string | undefined): Redis {
    const where = `${host}:${port}`;
    const listener = new Redis({
      host,
      port,
      password,
      connectionName: 'journal-failover-fence',
      connectTimeout: 1000,
      // Subscribed again on every connect (below): a Sentinel that restarts is heard again.
      autoResubscribe: false,
      maxRetriesPerRequest: null,
      retryStrategy: () => 200,
    });
    listener.on('error', () => undefined); // SentinelView tells whether a Sentinel answers; the writer logs Redis trouble
    listener.on('ready', () => void listener.subscribe(...FAILOVER_STARTING, SWITCH_MASTER).catch(() => undefined));
    listener.on('message', (channel: string, message: string) => this.heard(where, channel, message));
    return listener;
  }

  private heard(sentinel: string, channel: string, message: string): void {
    const words = message.split(' ');
    if (channel === SWITCH_MASTER) {
      // "<name> <old host> <old port> <new host> <new port>"
      const [name, oldHost, oldPort, host, port] = words;
      if (name !== this.masterName) return;
      this.heardSwitches++;
      this.failovers.delete(`${oldHost}:${oldPort}`);
      this.logger.log(
        `Sentinel ${sentinel} names ${host}:${port} the new primary: writes are confirmed again once the writer has reconnected`,
      );
      if (this.writer.status === 'ready') this.writer.disconnect(true);
      this.view.askAll();
      return;
    }
    if (channel === VOTE) {
      // "<leader run id> <epoch>"
      const epoch = Number(words[1]);
      if (!Number.isInteger(epoch)) return;
      if (!this.votes.has(epoch))
        this.logger.warn(`Sentinel ${sentinel}: ${channel} ${message}; writes are refused until a new primary is named`);
      this.votes.set(epoch, Date.now() + REDIS_TIMING.failoverHoldMs);
      return;
    }
    const primary = this.failingOver(words);
    if (primary === undefined) return;
    if (!this.failovers.has(primary)) {
      this.logger.warn(`Sentinel ${sentinel}: ${channel} ${message}; writes to ${primary} are refused until a new primary is named`);
    }
    this.failovers.set(primary, Date.now() + REDIS_TIMING.failoverHoldMs);
  }

  /** The primary a failover event is about: "master <name> <host> <port>" or "... @ <name> <host> <port>"; another name: undefined. */
  private failingOver(words: string[]): string | undefined {
    const at = words[0] === 'master' ? 0 : words.indexOf('@');
    if (at < 0 || words[at + 1] !== this.masterName) return undefined;
    return `${words[at + 2]}:${words[at + 3]}`;
  }
}
