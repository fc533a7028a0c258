import { describe, expect, it, jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import type { ReplicaAcks } from './replica-acks.js';
import { ReplicatedRedis } from './replicated-redis.js';
import type { Replication } from './replication.js';
import { REDIS_TIMING } from './timing.js';

/** A stand-in client for the routing logic only; the Redis behaviour itself is tested in test/api. */
function fakeClient(status: string, hget: () => Promise<string | null>, stream = { writable: true }) {
  return { status, stream, defineCommand: jest.fn(), hget: jest.fn(hget) } as unknown as Redis & { hget: jest.Mock };
}
const inSync = { replicaCount: async () => 0, readerInSync: true } as unknown as Replication;
const cutOff = { replicaCount: async () => 0, readerInSync: false } as unknown as Replication;
const acks = {} as ReplicaAcks;

/** An entry's lookup as the journal makes it: on a replica, then on the primary when the replica lacks it. */
async function lookup(redis: ReplicatedRedis): Promise<string | undefined> {
  return (
    (await redis.readYourWrites(
      (client) => client.hget('journal:entry', '1'),
      (found) => found === null,
    )) ?? undefined
  );
}

describe('ReplicatedRedis read routing', () => {
  it('reads from the reader when it is ready', async () => {
    const reader = fakeClient('ready', async () => 'from reader');
    const writer = fakeClient('ready', async () => 'from writer');
    expect(await lookup(new ReplicatedRedis(writer, reader, inSync, acks))).toBe('from reader');
    expect(writer.hget).not.toHaveBeenCalled();
  });

  it('falls back to the writer when the reader is not connected', async () => {
    const reader = fakeClient('reconnecting', async () => 'from reader');
    const writer = fakeClient('ready', async () => 'from writer');
    expect(await lookup(new ReplicatedRedis(writer, reader, inSync, acks))).toBe('from writer');
    expect(reader.hget).not.toHaveBeenCalled();
  });

  it('reads from the writer while the reader is cut off from the primary (old data)', async () => {
    const reader = fakeClient('ready', async () => 'stale');
    const writer = fakeClient('ready', async () => 'from writer');
    expect(await lookup(new ReplicatedRedis(writer, reader, cutOff, acks))).toBe('from writer');
  });

  it('still reads a cut-off reader when the writer is down too (old data beats none)', async () => {
    const reader = fakeClient('ready', async () => 'stale');
    const writer = fakeClient('reconnecting', async () => 'never');
    expect(await lookup(new ReplicatedRedis(writer, reader, cutOff, acks))).toBe('stale');
  });

  it('falls back to the writer when the reader fails mid-command', async () => {
    const reader = fakeClient('ready', async () => Promise.reject(new Error('Command timed out')));
    const writer = fakeClient('ready', async () => 'from writer');
    expect(await lookup(new ReplicatedRedis(writer, reader, inSync, acks))).toBe('from writer');
  });

  it('sends new reads past a client whose command timed out (a hung Redis) until its socket timeout has passed', async () => {
    const reader = fakeClient('ready', async () => Promise.reject(new Error('Command timed out')));
    const writer = fakeClient('ready', async () => 'from writer');
    const redis = new ReplicatedRedis(writer, reader, inSync, acks);
    expect(await lookup(redis)).toBe('from writer');
    expect(await lookup(redis)).toBe('from writer');
    expect(reader.hget).toHaveBeenCalledTimes(1);
    const now = Date.now();
    const later = jest.spyOn(Date, 'now').mockReturnValue(now + REDIS_TIMING.socketTimeoutMs);
    try {
      expect(await lookup(redis)).toBe('from writer');
      expect(reader.hget).toHaveBeenCalledTimes(2);
    } finally {
      later.mockRestore();
    }
  });

  it('waits for a reconnecting writer rather than ask a reader whose command just timed out', async () => {
    const reader = fakeClient('ready', async () => Promise.reject(new Error('Command timed out')));
    const writer = fakeClient('ready', async () => 'from writer');
    const redis = new ReplicatedRedis(writer, reader, inSync, acks);
    expect(await lookup(redis)).toBe('from writer');
    (writer as { status: string }).status = 'reconnecting';
    setTimeout(() => ((writer as { status: string }).status = 'ready'), 200);
    expect(await lookup(redis)).toBe('from writer');
    expect(reader.hget).toHaveBeenCalledTimes(1);
  });

  it('after a command timeout on the reader, the same read waits for the reconnecting writer instead of asking the reader again', async () => {
    const reader = fakeClient('ready', () => new Promise((_, reject) => setTimeout(() => reject(new Error('Command timed out')), 800)));
    const writer = fakeClient('reconnecting', async () => 'from writer');
    setTimeout(() => ((writer as { status: string }).status = 'ready'), 1000);
    expect(await lookup(new ReplicatedRedis(writer, reader, inSync, acks))).toBe('from writer');
    expect(reader.hget).toHaveBeenCalledTimes(1);
  });

  it('reads from a reader again once it has a new connection', async () => {
    const reader = fakeClient('ready', async () => Promise.reject(new Error('Command timed out')));
    const writer = fakeClient('ready', async () => 'from writer');
    const redis = new ReplicatedRedis(writer, reader, inSync, acks);
    expect(await lookup(redis)).toBe('from writer');
    (reader as { stream: object }).stream = { writable: true };
    reader.hget.mockImplementation(async () => 'from reader');
    expect(await lookup(redis)).toBe('from reader');
  });

  it("passes the reader's error on when the writer stays down too", async () => {
    const reader = fakeClient('ready', async () => Promise.reject(new Error('Command timed out')));
    const writer = fakeClient('reconnecting', async () => 'never');
    await expect(lookup(new ReplicatedRedis(writer, reader, inSync, acks))).rejects.toThrow('Command timed out');
  });

  it('tries the reader once more when the writer fails mid-command (a primary that just died)', async () => {
    const reader = fakeClient('ready', async () => 'from reader');
    const writer = fakeClient('ready', async () => Promise.reject(new Error('Connection is closed.')));
    expect(await lookup(new ReplicatedRedis(writer, reader, cutOff, acks))).toBe('from reader');
  });

  it("skips a client whose connection just closed though it still says 'ready'", async () => {
    const reader = fakeClient('ready', async () => 'stale');
    const writer = fakeClient('ready', async () => Promise.reject(new Error("Stream isn't writeable")), { writable: false });
    expect(await lookup(new ReplicatedRedis(writer, reader, cutOff, acks))).toBe('stale');
    expect(writer.hget).not.toHaveBeenCalled();
  });

  it('lets the event loop run between attempts, so a client that fails at once can see its close', async () => {
    // As ioredis: the failure is immediate, the status changes only when the close event is handled.
    const writer = fakeClient('ready', () => Promise.reject(new Error("Stream isn't writeable")));
    const reader = fakeClient('reconnecting', async () => 'from reader');
    setTimeout(() => ((writer as { status: string }).status = 'reconnecting'), 0);
    setTimeout(() => ((reader as { status: string }).status = 'ready'), 50);
    const started = Date.now();
    expect(await lookup(new ReplicatedRedis(writer, reader, inSync, acks))).toBe('from reader');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('waits briefly for a client that is reconnecting (a failover), then reads from it', async () => {
    const reader = fakeClient('reconnecting', async () => 'from reader');
    const writer = fakeClient('reconnecting', async () => 'never');
    setTimeout(() => ((reader as { status: string }).status = 'ready'), 150);
    expect(await lookup(new ReplicatedRedis(writer, reader, inSync, acks))).toBe('from reader');
  });

  it('gives up after that brief wait when neither client connects', async () => {
    const reader = fakeClient('reconnecting', async () => 'never');
    const writer = fakeClient('reconnecting', async () => 'never');
    const started = Date.now();
    await expect(lookup(new ReplicatedRedis(writer, reader, inSync, acks))).rejects.toThrow(
      'neither the reader nor the writer is connected',
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('ReplicatedRedis: read-your-writes', () => {
  // A replica can lag behind an acknowledged write (another API pod made it, or it is resyncing).
  it('looks an entry the replica lacks up on the primary before calling it missing', async () => {
    const reader = fakeClient('ready', async () => null);
    const writer = fakeClient('ready', async () => 'from writer');
    expect(await lookup(new ReplicatedRedis(writer, reader, inSync, acks))).toBe('from writer');
    expect(reader.hget).toHaveBeenCalledTimes(1);
  });

  it('calls it missing when the primary lacks it too', async () => {
    const reader = fakeClient('ready', async () => null);
    const writer = fakeClient('ready', async () => null);
    expect(await lookup(new ReplicatedRedis(writer, reader, inSync, acks))).toBeUndefined();
    expect(writer.hget).toHaveBeenCalledTimes(1);
  });

  it("keeps the replica's answer when the primary is not connected", async () => {
    const reader = fakeClient('ready', async () => null);
    const writer = fakeClient('reconnecting', async () => 'never');
    expect(await lookup(new ReplicatedRedis(writer, reader, inSync, acks))).toBeUndefined();
    expect(writer.hget).not.toHaveBeenCalled();
  });

  it("keeps the replica's answer at once when the primary fails the lookup", async () => {
    const reader = fakeClient('ready', async () => null);
    const writer = fakeClient('ready', async () => Promise.reject(new Error('Command timed out')));
    const started = Date.now();
    expect(await lookup(new ReplicatedRedis(writer, reader, inSync, acks))).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(500);
  });
});
