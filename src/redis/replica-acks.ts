import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { redisConfig, type RedisConfig } from '../config/redis.config.js';
import { FailoverFence } from './failover-fence.js';
import { Replication } from './replication.js';
import { SentinelView } from './sentinel-view.js';
import { REDIS_TIMING } from './timing.js';
import { REDIS_WRITER } from './redis.tokens.js';

/** Fewer than REDIS_MIN_REPLICA_ACKS replicas have (or could get) a write: it must not be acknowledged. */
export class NotReplicatedError extends Error {
  constructor(
    readonly acks: number,
    readonly needed: number,
    cause?: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause);
    super(`${acks} of ${needed} needed replicas confirmed the write${why ? ` (${why})` : ''}`, { cause });
  }
}

/** A write waiting for its WAIT, and the writer connection its reply came on. */
type Waiter = { connection: number; resolve: (acks: number) => void; reject: (error: unknown) => void };

/** The writer reconnected between a write and its WAIT: that WAIT answers for another connection. */
class ConnectionReplacedError extends Error {
  constructor() {
    super('the writer connection was replaced between the write and its WAIT');
  }
}

/** The Sentinels are replacing the primary, or announced a new one since the writer connected (FailoverFence). */
class FailoverError extends Error {}

/**
 * Confirms writes made on the writer connection with WAIT, shared between concurrent writes
 * (group commit). WAIT counts the replicas that have everything this connection wrote so far,
 * and blocks the connection inside Redis meanwhile: one WAIT per write would queue every write
 * behind the previous write's WAIT. Here at most one WAIT is in flight; the writes whose replies
 * arrive meanwhile are all covered by the next single WAIT, sent when it returns.
 *
 * A WAIT asks for every replica the primary has (read-your-writes: reads go to any of them) but
 * a write counts as safe once REDIS_MIN_REPLICA_ACKS confirmed it, and only while no failover can
 * undo it (FailoverFence).
 */
@Injectable()
export class ReplicaAcks {
  private readonly minAcks: number;
  private inFlight = false;
  /** Writes whose replies arrived after the WAIT in flight was sent: the next WAIT covers them. */
  private next: Waiter[] = [];
  /**
   * Which writer connection this is (counts closed ones). WAIT counts what its own connection wrote:
   * on a connection made after the write (a reconnect, maybe to a new primary that never had the
   * write) it would confirm at once a write no replica may have.
   */
  private connection = 0;
  /** How many new primaries the Sentinels had announced when this writer connection was made. */
  private switchesAtConnect: number;
  /** The run id of the Redis this writer connection reaches (INFO server on connect): is it the primary the Sentinels agree on? */
  private writerRunId?: string;
  private learning = false;

  constructor(
    @Inject(REDIS_WRITER) private readonly writer: Redis,
    private readonly replication: Replication,
    private readonly fence: FailoverFence,
    private readonly view: SentinelView,
    @Inject(redisConfig.KEY) config: RedisConfig,
  ) {
    this.minAcks = config.minReplicaAcks;
    this.switchesAtConnect = fence.switches;
    writer.on('close', () => {
      this.connection++;
      this.writerRunId = undefined;
    });
    writer.on('connect', () => (this.switchesAtConnect = fence.switches));
    if (view.enabled) writer.on('ready', () => void this.learnRunId());
  }

  /**
   * Before writing: refuses (NotReplicatedError) when the write could not be confirmed: too few
   * replicas, a replica the Sentinels could promote not connected to the primary, or no safe
   * primary (checkPrimary). So such a write is not made at all.
   */
  async ensureEnoughReplicas(): Promise<void> {
    const promotable = this.checkPrimary();
    if (promotable instanceof Error) throw new NotReplicatedError(0, this.minAcks, promotable);
    if (this.replicasSuffice(promotable, await this.replication.replicaCount())) return;
    // The replica list is up to a second old: ask again before refusing.
    const replicas = await this.replication.refreshReplicas();
    if (!this.replicasSuffice(promotable, replicas)) throw new NotReplicatedError(replicas, this.minAcks, this.missing(promotable));
  }

  /**
   * After a write's reply arrived on the writer connection (call it straight away, with nothing
   * awaited in between, so the connection it notes is the one the reply came on): resolves when at
   * least REDIS_MIN_REPLICA_ACKS replicas have it (with Sentinels: every replica connected to the
   * primary, among them every one the Sentinels could promote), rejects with NotReplicatedError
   * when fewer did in time, the WAIT failed or it went out on a newer connection.
   */
  async confirm(): Promise<void> {
    // The write itself went through: a failed WAIT (connection lost) leaves it unconfirmed, not undone.
    const acks = await this.acks().catch((error: unknown) => {
      throw error instanceof NotReplicatedError ? error : new NotReplicatedError(0, this.minAcks, error);
    });
    if (acks < this.minAcks) throw new NotReplicatedError(acks, this.minAcks);
  }

  /** The acks the first WAIT sent after this call gives (or why it does not count). */
  acks(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.next.push({ connection: this.connection, resolve, reject });
      if (!this.inFlight) void this.sendWait();
    });
  }

  /**
   * With Sentinels: the replicas a write must reach, or why no write may be confirmed now (no fresh
   * majority agreeing on a primary, a failover of it under way, or the writer connected elsewhere or
   * before the last +switch-master). Without Sentinels: none in particular.
   */
  private checkPrimary(): ReadonlySet<string> | FailoverError {
    if (!this.view.enabled) return NONE;
    const agreed = this.view.agreed();
    if (typeof agreed === 'string') return new FailoverError(agreed);
    const refusal = this.fence.refusal(agreed.primary);
    if (refusal) return new FailoverError(refusal);
    if (this.switchesAtConnect !== this.fence.switches)
      return new FailoverError('the Sentinels named a new primary after the writer connected');
    // Until the Sentinels know the new primary's run id, the writer having connected after the last
    // +switch-master (above) is what says it reaches that primary.
    if (agreed.primary.runId !== '' && this.writerRunId !== agreed.primary.runId) {
      if (this.writerRunId === undefined) void this.learnRunId();
      return new FailoverError(`the writer is not connected to ${agreed.primary.address}, the primary the Sentinels agree on`);
    }
    return agreed.promotable;
  }

  private replicasSuffice(promotable: ReadonlySet<string>, replicas: number): boolean {
    return replicas >= this.minAcks && this.missing(promotable) === undefined;
  }

  /** Why the replicas online at the primary do not include every promotable one, if they do not. */
  private missing(promotable: ReadonlySet<string>): string | undefined {
    const online = this.replication.replicaAddresses;
    const missing = [...promotable].filter((address) => !online.has(address));
    return missing.length === 0 ? undefined : `the Sentinels could promote ${missing.join(', ')}, which is not online at the primary`;
  }

  /** Asks the writer's Redis its run id (on connect, and again while unknown); one question at a time. */
  private async learnRunId(): Promise<void> {
    if (this.learning) return;
    this.learning = true;
    const connection = this.connection;
    const info = await this.writer.info('server').catch(() => '');
    this.learning = false;
    if (connection === this.connection) this.writerRunId = /^run_id:(\w+)/m.exec(info)?.[1];
  }

  private async sendWait(): Promise<void> {
    const batch = this.next;
    this.next = [];
    this.inFlight = true;
    try {
      const replicas = await this.replication.replicaCount();
      const before = this.checkPrimary();
      const wanted = Math.max(replicas, this.minAcks, before instanceof Error ? 0 : before.size);
      const connection = this.connection;
      const acks = await this.waitForReplicas(wanted);
      // A replica went away (or lags): learn the new list instead of waiting on it every time.
      if (acks < replicas) void this.replication.refreshReplicas();
      const verdict = this.verdict(acks);
      for (const waiter of batch) {
        if (verdict instanceof Error) waiter.reject(verdict);
        else if (wanted > 0 && waiter.connection !== connection) waiter.reject(new ConnectionReplacedError());
        else waiter.resolve(verdict);
      }
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    } finally {
      this.inFlight = false;
      if (this.next.length > 0) void this.sendWait();
    }
  }

  /**
   * WAIT, and with Sentinels the primary's ROLE right after it on the same connection (one round
   * trip): which replicas were online when the WAIT answered.
   */
  private async waitForReplicas(wanted: number): Promise<number> {
    if (wanted === 0) return 0;
    if (!this.view.enabled) return Number(await this.writer.wait(wanted, REDIS_TIMING.replicaWaitMs));
    const [acks, role] = await Promise.all([
      this.writer.wait(wanted, REDIS_TIMING.replicaWaitMs),
      this.writer.call('ROLE') as Promise<unknown[]>,
    ]);
    this.replication.noteRole(role);
    return Number(acks);
  }

  /**
   * The acks a batch gets, or why it is refused. With Sentinels, WAIT counts any replicas, so a
   * count is enough only when it covers every replica online at the primary, and those include
   * every replica the Sentinels could promote (the StatefulSet's replicas are all the primary has).
   */
  private verdict(acks: number): number | Error {
    const promotable = this.checkPrimary();
    if (promotable instanceof Error) return promotable;
    if (!this.view.enabled) return acks;
    const online = this.replication.replicaAddresses.size;
    const missing = this.missing(promotable);
    if (missing) return new NotReplicatedError(acks, Math.max(online, this.minAcks), missing);
    if (acks < online)
      return new NotReplicatedError(acks, online, `${online - acks} of the replicas online at the primary did not confirm it`);
    return acks;
  }
}

const NONE: ReadonlySet<string> = new Set();
