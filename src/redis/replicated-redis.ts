import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ReplicaAcks } from './replica-acks.js';
import { Replication } from './replication.js';
import { REDIS_READER, REDIS_WRITER } from './redis.tokens.js';
import { REDIS_TIMING } from './timing.js';

/** Redis refused a write because it is at its memory limit (maxmemory, noeviction): nothing was stored. */
export class StorageFullError extends Error {
  constructor() {
    super('Redis is at its memory limit (maxmemory, noeviction): write refused');
  }
}

/** What a write does after its command: wait for the replicas only when it changed something. */
export interface WriteOptions<T> {
  /** Whether the command's result is a change the replicas must confirm (default: always). */
  changed?: (result: T) => boolean;
  /** Runs once the replicas confirmed the change, or failed to: whatever the outcome. */
  settled?: (result: T) => void;
}

/**
 * The one way features read and write Redis: writes on the primary, acknowledged only once the
 * replicas confirmed them (ReplicaAcks); reads on a replica, routed around a failover, and
 * read-your-writes. Generic over the client type: a feature passes its scripted client type.
 */
@Injectable()
export class ReplicatedRedis {
  /** When a client's command last timed out: a hung Redis, still 'ready' until its socket times out. */
  private readonly timedOut = new Map<Redis, number>();

  constructor(
    @Inject(REDIS_WRITER) private readonly writer: Redis,
    @Inject(REDIS_READER) private readonly reader: Redis,
    private readonly replication: Replication,
    private readonly acks: ReplicaAcks,
  ) {}

  /**
   * Runs `command` on the primary once enough replicas are there to confirm it, then waits until
   * they have it (the shared WAIT). Rejects with NotReplicatedError (maybe stored, not
   * acknowledged) or StorageFullError (refused at its first write: nothing stored).
   */
  async write<T, C extends Redis = Redis>(command: (writer: C) => Promise<T>, options: WriteOptions<T> = {}): Promise<T> {
    await this.acks.ensureEnoughReplicas();
    const result = await refusedWhenFull(command(this.writer as C));
    if (options.changed?.(result) === false) return result;
    try {
      await this.acks.confirm();
    } finally {
      options.settled?.(result);
    }
    return result;
  }

  /** Runs `command` on the primary now, unconfirmed: what a write checks rights and versions against. */
  onPrimary<T, C extends Redis = Redis>(command: (writer: C) => Promise<T>): Promise<T> {
    return command(this.writer as C);
  }

  /**
   * Reads go to the replicas; to the primary when they are unreachable, or cut off from the primary
   * (old data) while the primary is up. A read that fails is tried again, on the other client if it
   * is connected, and a read finding neither connected waits for one: through a failover (clients
   * reconnecting to the new primary or another replica) reads keep working. A client whose command
   * timed out is asked first by no read until its socket timeout has passed (a hung Redis, such as a
   * primary a failover left behind, would cost each read the command timeout). No new attempt
   * starts later than REDIS_TIMING.readWaitMs after the read began.
   */
  async read<T, C extends Redis = Redis>(command: (client: C) => Promise<T>): Promise<T> {
    const deadline = Date.now() + REDIS_TIMING.readWaitMs;
    let client = this.readClient() ?? (await this.whenConnected([this.reader, this.writer], deadline));
    for (;;) {
      if (!client) throw new Error('neither the reader nor the writer is connected');
      try {
        return await command(client as C);
      } catch (error) {
        if ((error as Error).message === 'Command timed out') this.timedOut.set(client, Date.now());
        // Let the event loop run before the next attempt: a client can fail a command at once, without
        // the network, and retrying in promise callbacks alone would never let it handle its own close
        // (it stays 'ready') and would stall every other request of this process until the deadline.
        await new Promise((resolve) => setImmediate(resolve));
        const other = client === this.reader ? this.writer : this.reader;
        client = await this.whenConnected([other, client], deadline);
        if (!client) throw error;
      }
    }
  }

  /**
   * A read whose answer `missing` judges absent on a replica is asked of the primary before it
   * stands. A replica can be behind an acknowledged write: a write needs only
   * REDIS_MIN_REPLICA_ACKS of them, another API pod made it, or the replica is resyncing after a
   * failover. If the primary does not answer, the replica's answer stands.
   */
  readYourWrites<T, C extends Redis = Redis>(command: (client: C) => Promise<T>, missing: (result: T) => boolean): Promise<T> {
    return this.read<T, C>(async (client) => {
      const found = await command(client);
      if (!missing(found) || client === this.writer || !this.answering(this.writer)) return found;
      return command(this.writer as C).catch(() => found);
    });
  }

  private readClient(): Redis | undefined {
    const writerUp = this.answering(this.writer);
    if (this.answering(this.reader) && (this.replication.readerInSync || !writerUp)) return this.reader;
    return writerUp ? this.writer : undefined;
  }

  /** Connected, and no command of it timed out within the socket timeout. */
  private answering(client: Redis): boolean {
    const sinceTimeout = Date.now() - (this.timedOut.get(client) ?? -Infinity);
    return connected(client) && sinceTimeout >= REDIS_TIMING.socketTimeoutMs;
  }

  /** The first of `clients` that is connected, waiting for one until `deadline` (then none). */
  private async whenConnected(clients: Redis[], deadline: number): Promise<Redis | undefined> {
    while (Date.now() < deadline) {
      const ready = clients.find(connected);
      if (ready) return ready;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return undefined;
  }
}

/** A write's reply; StorageFullError when Redis refused it at its first write (so nothing was stored). */
async function refusedWhenFull<T>(reply: Promise<T>): Promise<T> {
  try {
    return await reply;
  } catch (error) {
    if (/^OOM /.test((error as Error).message)) throw new StorageFullError();
    throw error;
  }
}

/**
 * Able to send a command now. When Redis closes a connection, the socket stops taking writes at
 * once but ioredis says 'ready' until its close handler has run: such a client fails every command
 * with "Stream isn't writeable".
 */
function connected(client: Redis): boolean {
  return client.status === 'ready' && client.stream.writable;
}
