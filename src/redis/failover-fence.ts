import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { redisConfig, type RedisConfig } from '../config/redis.config.js';
import { REDIS_WRITER } from './redis.tokens.js';

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
/** What a vote is about before any +switch-master was heard; the next one ends it. */
const UNKNOWN_PRIMARY = 'the current primary';

/**
 * How long a failover that started counts as under way when no +switch-master ends it: the
 * failover-timeout the Sentinels are given (kustomize/components/sentinel/sentinel.sh), after which
 * a leader that has not finished gives up.
 */
export const FAILOVER_HOLD_MS = 10_000;

/** How long start-up waits for the Sentinels' event channels before it goes on (writes stay refused until they answer). */
const SUBSCRIBE_WAIT_MS = 2000;

/**
 * Sentinel mode: tells when confirming a write would be unsafe because the Sentinels are replacing
 * the primary. Once a Sentinel sends REPLICAOF NO ONE to the replica it promotes, that replica
 * stops following the old primary, but the other replica goes on copying the old primary's writes
 * (and WAIT counts it) until the leader moves it over, about a second later. Writes confirmed in
 * that second exist only on the old primary's side and vanish when it is demoted. It happens
 * whenever the Sentinels fail over a primary that is still up: judged down wrongly (a slow answer
 * with a short down-after) or asked to (SENTINEL FAILOVER).
 *
 * So it listens to every Sentinel's event channels and refuses:
 * - from the first sign of a failover (an attempt, a vote, a promotion step) until a +switch-master
 *   moves away from the primary being failed over (or FAILOVER_HOLD_MS passed);
 * - a writer connection made before the last +switch-master heard (it may still be the old
 *   primary's); it drops that connection, so the writer asks the Sentinels for the new primary;
 * - whenever it hears fewer than a majority of the Sentinels (it could miss the failover).
 * Without Sentinels (the two fixed URLs) it never refuses.
 */
@Injectable()
export class FailoverFence implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FailoverFence.name);
  private readonly listeners: Redis[];
  /** The listeners subscribed right now. */
  private readonly hearing = new Set<Redis>();
  private readonly needed: number;
  private readonly masterName?: string;
  /**
   * The primaries (host:port) a failover was heard to start for, and until when that counts. A
   * +switch-master ends only the one it moves away from: a Sentinel that learns of an earlier
   * failover late must not end the fence of a later one.
   */
  private readonly failovers = new Map<string, number>();
  /** The primary named by the last +switch-master heard: what a vote (it names none) is about. */
  private primary?: string;
  /** How many +switch-master announcements were heard (from any Sentinel). */
  private heardSwitches = 0;

  constructor(
    @Inject(REDIS_WRITER) private readonly writer: Redis,
    @Inject(redisConfig.KEY) config: RedisConfig,
  ) {
    const endpoint = config.writer;
    if (typeof endpoint === 'string') {
      this.listeners = [];
      this.needed = 0;
      return;
    }
    this.masterName = endpoint.masterName;
    this.needed = Math.floor(endpoint.sentinels.length / 2) + 1;
    this.listeners = endpoint.sentinels.map(({ host, port }) => this.listen(host, port, config.password));
  }

  /** Why a write must not be confirmed now, or undefined when it may be. */
  refusal(): string | undefined {
    if (this.hearing.size < this.needed) return `only ${this.hearing.size} of the ${this.listeners.length} Sentinels can be heard`;
    const now = Date.now();
    for (const [primary, until] of this.failovers) {
      if (now < until) return `the Sentinels are failing over the primary ${primary}`;
      this.failovers.delete(primary);
    }
    return undefined;
  }

  /** Counts +switch-master announcements: a writer connection made before the latest one may be to the old primary. */
  get switches(): number {
    return this.heardSwitches;
  }

  async onModuleInit(): Promise<void> {
    if (this.listeners.length === 0) return;
    const deadline = Date.now() + SUBSCRIBE_WAIT_MS;
    while (this.hearing.size < this.needed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
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
    listener.on('error', () => undefined); // counted out while down (close); the writer logs Redis trouble
    listener.on('ready', () => {
      listener
        .subscribe(...FAILOVER_STARTING, SWITCH_MASTER)
        .then(() => this.hearing.add(listener))
        .catch(() => undefined);
    });
    listener.on('close', () => this.hearing.delete(listener));
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
      this.failovers.delete(UNKNOWN_PRIMARY);
      this.primary = `${host}:${port}`;
      this.logger.log(
        `Sentinel ${sentinel} names ${this.primary} the new primary: writes are confirmed again once the writer has reconnected`,
      );
      if (this.writer.status === 'ready') this.writer.disconnect(true);
      return;
    }
    const primary = channel === '+vote-for-leader' ? (this.primary ?? UNKNOWN_PRIMARY) : this.failingOver(words);
    if (primary === undefined) return;
    if (!this.failovers.has(primary)) {
      this.logger.warn(`Sentinel ${sentinel}: ${channel} ${message}; writes are refused until a new primary is named`);
    }
    this.failovers.set(primary, Date.now() + FAILOVER_HOLD_MS);
  }

  /** The primary a failover event is about: "master <name> <host> <port>" or "... @ <name> <host> <port>"; another name: undefined. */
  private failingOver(words: string[]): string | undefined {
    const at = words[0] === 'master' ? 0 : words.indexOf('@');
    if (at < 0 || words[at + 1] !== this.masterName) return undefined;
    return `${words[at + 2]}:${words[at + 3]}`;
  }
}
