import { describe, expect, it, jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import type { ReplicaAcks } from '../redis/replica-acks.js';
import type { Replication } from '../redis/replication.js';
import { JournalStore } from './journal.store.js';

/** A stand-in client for the routing logic only; the Redis behaviour itself is tested in test/api. */
function fakeClient(status: string, zrange: () => Promise<string[]>, stream = { writable: true }) {
  return { status, stream, defineCommand: jest.fn(), zrange: jest.fn(zrange) } as unknown as Redis & { zrange: jest.Mock };
}
const inSync = { replicaCount: async () => 0, readerInSync: true } as unknown as Replication;
const cutOff = { replicaCount: async () => 0, readerInSync: false } as unknown as Replication;
const acks = {} as ReplicaAcks;

describe('JournalStore read routing', () => {
  it('reads from the reader when it is ready', async () => {
    const reader = fakeClient('ready', async () => ['from reader']);
    const writer = fakeClient('ready', async () => ['from writer']);
    expect(await new JournalStore(writer, reader, inSync, acks).get(1)).toBe('from reader');
    expect(writer.zrange).not.toHaveBeenCalled();
  });

  it('falls back to the writer when the reader is not connected', async () => {
    const reader = fakeClient('reconnecting', async () => ['from reader']);
    const writer = fakeClient('ready', async () => ['from writer']);
    expect(await new JournalStore(writer, reader, inSync, acks).get(1)).toBe('from writer');
    expect(reader.zrange).not.toHaveBeenCalled();
  });

  it('reads from the writer while the reader is cut off from the primary (old data)', async () => {
    const reader = fakeClient('ready', async () => ['stale']);
    const writer = fakeClient('ready', async () => ['from writer']);
    expect(await new JournalStore(writer, reader, cutOff, acks).get(1)).toBe('from writer');
  });

  it('still reads a cut-off reader when the writer is down too (old data beats none)', async () => {
    const reader = fakeClient('ready', async () => ['stale']);
    const writer = fakeClient('reconnecting', async () => ['never']);
    expect(await new JournalStore(writer, reader, cutOff, acks).get(1)).toBe('stale');
  });

  it('falls back to the writer when the reader fails mid-command', async () => {
    const reader = fakeClient('ready', async () => Promise.reject(new Error('Command timed out')));
    const writer = fakeClient('ready', async () => ['from writer']);
    expect(await new JournalStore(writer, reader, inSync, acks).get(1)).toBe('from writer');
  });

  it("passes the reader's error on when the writer stays down too", async () => {
    const reader = fakeClient('ready', async () => Promise.reject(new Error('Command timed out')));
    const writer = fakeClient('reconnecting', async () => ['never']);
    await expect(new JournalStore(writer, reader, inSync, acks).get(1)).rejects.toThrow('Command timed out');
  });

  it('tries the reader once more when the writer fails mid-command (a primary that just died)', async () => {
    const reader = fakeClient('ready', async () => ['from reader']);
    const writer = fakeClient('ready', async () => Promise.reject(new Error('Connection is closed.')));
    expect(await new JournalStore(writer, reader, cutOff, acks).get(1)).toBe('from reader');
  });

  it("skips a client whose connection just closed though it still says 'ready'", async () => {
    const reader = fakeClient('ready', async () => ['stale']);
    const writer = fakeClient('ready', async () => Promise.reject(new Error("Stream isn't writeable")), { writable: false });
    expect(await new JournalStore(writer, reader, cutOff, acks).get(1)).toBe('stale');
    expect(writer.zrange).not.toHaveBeenCalled();
  });

  it('lets the event loop run between attempts, so a client that fails at once can see its close', async () => {
    // As ioredis: the failure is immediate, the status changes only when the close event is handled.
    const writer = fakeClient('ready', () => Promise.reject(new Error("Stream isn't writeable")));
    const reader = fakeClient('reconnecting', async () => ['from reader']);
    setTimeout(() => ((writer as { status: string }).status = 'reconnecting'), 0);
    setTimeout(() => ((reader as { status: string }).status = 'ready'), 50);
    const started = Date.now();
    expect(await new JournalStore(writer, reader, inSync, acks).get(1)).toBe('from reader');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('waits briefly for a client that is reconnecting (a failover), then reads from it', async () => {
    const reader = fakeClient('reconnecting', async () => ['from reader']);
    const writer = fakeClient('reconnecting', async () => ['never']);
    setTimeout(() => ((reader as { status: string }).status = 'ready'), 150);
    expect(await new JournalStore(writer, reader, inSync, acks).get(1)).toBe('from reader');
  });

  it('gives up after that brief wait when neither client connects', async () => {
    const reader = fakeClient('reconnecting', async () => ['never']);
    const writer = fakeClient('reconnecting', async () => ['never']);
    const started = Date.now();
    await expect(new JournalStore(writer, reader, inSync, acks).get(1)).rejects.toThrow('neither the reader nor the writer is connected');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
