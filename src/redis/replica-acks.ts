import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { redisConfig, type RedisConfig } from '../config/redis.config.js';
import { FailoverFence } from './failover-fence.js';
import { Replication } from './replication.js';
import { REDIS_WRITER } from './redis.tokens.js';

/**
 * Longest one WAIT blocks the writer connection. A write that arrives during a WAIT waits for it
 * and then for its own, so a write is confirmed or refused within about twice this (under 1 s).
 */
export const REPLICA_WAIT_MS = 250;

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

  constructor(
    @Inject(REDIS_WRITER) private readonly writer: Redis,
    private readonly replication: Replication,
    private readonly fence: FailoverFence,
    @Inject(redisConfig.KEY) config: RedisConfig,
  ) {
    this.minAcks = config.minReplicaAcks;
    this.switchesAtConnect = fence.switches;
    writer.on('close', () => this.connection++);
    writer.on('connect', () => (this.switchesAtConnect = fence.switches));
  }

  /**
   * Before writing: refuses (NotReplicatedError) when the primary has fewer replicas than needed,
   * so a write that could never be confirmed is not made at all.
   */
  async ensureEnoughReplicas(): Promise<void> {
    const failover = this.failover();
    if (failover) throw new NotReplicatedError(0, this.minAcks, failover);
    if (this.minAcks === 0 || (await this.replication.replicaCount()) >= this.minAcks) return;
    // The count is up to a second old: ask again before refusing.
    const replicas = await this.replication.refreshReplicas();
    if (replicas < this.minAcks) throw new NotReplicatedError(replicas, this.minAcks);
  }

  /**
   * After a write's reply arrived on the writer connection (call it straight away, with nothing
   * awaited in between, so the connection it notes is the one the reply came on): resolves when at
   * least REDIS_MIN_REPLICA_ACKS replicas have it, rejects with NotReplicatedError when fewer did in
   * time, the WAIT failed or it went out on a newer connection.
   */
  async confirm(): Promise<void> {
    // The write itself went through: a failed WAIT (connection lost) leaves it unconfirmed, not undone.
    const acks = await this.acks().catch((error: unknown) => {
      throw new NotReplicatedError(0, this.minAcks, error);
    });
    if (acks < this.minAcks) throw new NotReplicatedError(acks, this.minAcks);
  }

  /** The reply of the first WAIT sent after this call. */
  acks(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.next.push({ connection: this.connection, resolve, reject });
      if (!this.inFlight) void this.sendWait();
    });
  }

  /** Why no write may be confirmed now: a failover under way, or the writer still on the connection it had before the last one. */
  private failover(): FailoverError | undefined {
    const refusal = this.fence.refusal();
    if (refusal) return new FailoverError(refusal);
    if (this.switchesAtConnect !== this.fence.switches) {
      return new FailoverError('the Sentinels named a new primary after the writer connected');
    }
    return undefined;
  }

  private async sendWait(): Promise<void> {
    const batch = this.next;
    this.next = [];
    this.inFlight = true;
    try {
      const replicas = await this.replication.replicaCount();
      const wanted = Math.max(replicas, this.minAcks);
      const connection = this.connection;
      const acks = wanted === 0 ? 0 : Number(await this.writer.wait(wanted, REPLICA_WAIT_MS));
      // A replica went away (or lags): learn the new count instead of waiting on it every time.
      if (acks < replicas) void this.replication.refreshReplicas();
      const failover = this.failover();
      for (const waiter of batch) {
        if (failover) waiter.reject(failover);
        else if (wanted > 0 && waiter.connection !== connection) waiter.reject(new ConnectionReplacedError());
        else waiter.resolve(acks);
      }
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    } finally {
      this.inFlight = false;
      if (this.next.length > 0) void this.sendWait();
    }
  }
}
