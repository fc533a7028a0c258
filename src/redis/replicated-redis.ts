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
  /**
   * A client's connection on which a command timed out, and when: a hung Redis, still 'ready' until
   * its socket times out. A new connection (the client reconnected) or an answer clears it.
   */
  private readonly timedOut = new Map<Redis, { stream: unknown; at: number }>();

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
   * reconnecting to the new primary or another replica) reads keep working. A replica whose command
   * timed out on its current connection (a hung Redis, such as a primary a failover left behind and
   * the Sentinels still list) is not read first until it answers, reconnects or its socket timeout
   * has passed: each read would cost the command timeout. No new attempt starts later than
   * REDIS_TIMING.readWaitMs after the read began.
   */
  async read<T, C extends Redis = Redis>(command: (client: C) => Promise<T>): Promise<T> {
    const deadline = Date.now() + REDIS_TIMING.readWaitMs;
    let client = this.readClient() ?? (await this.whenConnected([this.reader, this.writer], deadline));
    for (;;) {
      if (!client) throw new Error('neither the reader nor the writer is connected');
      try {
        const result = await command(client as C);
        this.timedOut.delete(client);
        return result;
      } catch (error) {
        const timedOut = error instanceof Error && error.message === 'Command timed out';
        if (timedOut) this.timedOut.set(client, { stream: client.stream, at: Date.now() });
        // Let the event loop run before the next attempt: a client can fail a command at once, without
        // the network, and retrying in promise callbacks alone would never let it handle its own close
        // (it stays 'ready') and would stall every other request of this process until the deadline.
        await new Promise((resolve) => setImmediate(resolve));
        const other = client === this.reader ? this.writer : this.reader;
        // One that just timed out is most likely hung: this read waits for the other instead.
        client = await this.whenConnected(timedOut ? [other] : [other, client], deadline);
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
      if (!missing(found) || client === this.writer || !connected(this.writer)) return found;
      return command(this.writer as C).catch(() => found);
    });
  }

  /** The reader if it answers and is in sync (or the writer is down); else the writer. Never a stale replica over the primary. */
  private readClient(): Redis | undefined {
    const writerUp = connected(this.writer);
    if (this.answering(this.reader) && (this.replication.readerInSync || !writerUp)) return this.reader;
    return writerUp ? this.writer : undefined;
  }

  /** Connected, and no command timed out on this connection within the socket timeout without an answer since. */
  private answering(client: Redis): boolean {
    const timedOut = this.timedOut.get(client);
    const hung = timedOut?.stream === client.stream && Date.now() - timedOut.at < REDIS_TIMING.socketTimeoutMs;
    return connected(client) && !hung;
  }

  /**
   * The first of `clients` that answers, waiting for one until `deadline` (then none). One that is
   * connected but hung is taken only when no attempt could otherwise end before the deadline.
   */
  private async whenConnected(clients: Redis[], deadline: number): Promise<Redis | undefined> {
    while (Date.now() < deadline) {
      const lastChance = deadline - Date.now() <= REDIS_TIMING.commandTimeoutMs;
      const ready = clients.find((client) => this.answering(client)) ?? (lastChance ? clients.find(connected) : undefined);
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
