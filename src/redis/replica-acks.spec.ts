import { EventEmitter } from 'node:events';
import { describe, expect, it, jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import type { RedisConfig } from '../config/redis.config.js';
import type { FailoverFence } from './failover-fence.js';
import { NotReplicatedError, ReplicaAcks } from './replica-acks.js';
import { REDIS_TIMING } from './timing.js';
import type { Replication } from './replication.js';
import type { Agreed, SentinelView } from './sentinel-view.js';

/** A writer whose WAITs the test answers one by one, in the order they were sent. */
function fakeWriter() {
  const pending: { args: number[]; answer: (acks: number | Error) => void }[] = [];
  const wait = jest.fn(
    (...args: number[]) =>
      new Promise<number>((resolve, reject) => {
        pending.push({ args, answer: (acks) => (acks instanceof Error ? reject(acks) : resolve(acks)) });
      }),
  );
  /** With Sentinels: the primary's run id (INFO server) and the replicas online at it (ROLE, sent with each WAIT). */
  const primary = { runId: '0f3a9c', online: ['10.0.0.2:6379', '10.0.0.3:6379'] };
  const info = jest.fn(async () => `# Server\r\nrun_id:${primary.runId}\r\n`);
  const call = jest.fn(async () => ['master', 100, primary.online.map((address) => [...address.split(':'), '100'])]);
  const client = Object.assign(new EventEmitter(), { wait, info, call });
  return {
    client: client as unknown as Redis,
    wait,
    pending,
    primary,
    connectionLost: () => client.emit('close'),
    connected: () => {
      client.emit('connect');
      client.emit('ready');
    },
  };
}

function fakeReplication(replicas: number, afterRefresh = replicas) {
  const replication = {
    replicaCount: jest.fn(async () => replicas),
    refreshReplicas: jest.fn(async () => afterRefresh),
    replicaAddresses: new Set(['10.0.0.2:6379', '10.0.0.3:6379']),
    noteRole: (role: [string, number, string[][]]) => {
      replication.replicaAddresses = new Set(role[2].map(([host, port]) => `${host}:${port}`));
      return role[2].length;
    },
  };
  return replication;
}

/** What the Sentinels' events said, as the test sets it. */
function fakeFence() {
  return { refusal: (): string | undefined => undefined, switches: 0 };
}

/** What a fresh majority of Sentinels agrees on (or why none does), as the test sets it; disabled without Sentinels. */
function fakeView(enabled: boolean) {
  const view = {
    enabled,
    agreed: (): Agreed | string => ({
      primary: { address: '10.0.0.1:6379', runId: '0f3a9c', configEpoch: 1 },
      promotable: new Set(['10.0.0.2:6379', '10.0.0.3:6379']),
    }),
  };
  return view;
}

function setUp(minReplicaAcks: number, replicas: number, afterRefresh = replicas, sentinels = false) {
  const writer = fakeWriter();
  const replication = fakeReplication(replicas, afterRefresh);
  const fence = fakeFence();
  const view = fakeView(sentinels);
  const acks = new ReplicaAcks(
    writer.client,
    replication as unknown as Replication,
    fence as unknown as FailoverFence,
    view as unknown as SentinelView,
    { minReplicaAcks } as RedisConfig,
  );
  if (sentinels) writer.connected();
  return { acks, writer, replication, fence, view };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('ReplicaAcks (group commit)', () => {
  it('waits for every replica the primary has, at most REDIS_TIMING.replicaWaitMs', async () => {
    const { acks, writer } = setUp(1, 2);
    const confirmed = acks.confirm();
    await settle();
    expect(writer.pending.map((p) => p.args)).toEqual([[2, REDIS_TIMING.replicaWaitMs]]);
    writer.pending[0].answer(2);
    await expect(confirmed).resolves.toBeUndefined();
  });

  it('keeps one WAIT in flight: writes confirmed meanwhile share the next single WAIT', async () => {
    const { acks, writer } = setUp(1, 1);
    const first = acks.acks();
    await settle();
    expect(writer.wait).toHaveBeenCalledTimes(1);
    const later = Array.from({ length: 10 }, () => acks.acks());
    await settle();
    expect(writer.wait).toHaveBeenCalledTimes(1); // nothing queued behind the WAIT in flight
    writer.pending[0].answer(1);
    await expect(first).resolves.toBe(1);
    await settle();
    expect(writer.wait).toHaveBeenCalledTimes(2);
    writer.pending[1].answer(0);
    // Each write gets the answer of the first WAIT sent after it, not of the one before.
    await expect(Promise.all(later)).resolves.toEqual(Array(10).fill(0));
    await settle();
    expect(writer.wait).toHaveBeenCalledTimes(2);
  });

  it('refuses a write fewer than REDIS_MIN_REPLICA_ACKS replicas confirmed, and learns the replica count again', async () => {
    const { acks, writer, replication } = setUp(1, 2);
    const confirmed = acks.confirm();
    await settle();
    writer.pending[0].answer(0);
    await expect(confirmed).rejects.toEqual(new NotReplicatedError(0, 1));
    expect(replication.refreshReplicas).toHaveBeenCalled();
  });

  it('acknowledges with fewer replicas than connected, as long as the minimum confirmed', async () => {
    const { acks, writer } = setUp(1, 2);
    const confirmed = acks.confirm();
    await settle();
    writer.pending[0].answer(1);
    await expect(confirmed).resolves.toBeUndefined();
  });

  it('waits for the minimum even when the primary counts fewer replicas (it may be out of date)', async () => {
    const { acks, writer } = setUp(2, 1);
    void acks.acks();
    await settle();
    expect(writer.pending[0].args).toEqual([2, REDIS_TIMING.replicaWaitMs]);
  });

  it('passes a failed WAIT to the writes it covered; the next writes get a WAIT of their own', async () => {
    const { acks, writer } = setUp(1, 1);
    const first = acks.confirm();
    await settle();
    const second = acks.confirm();
    writer.pending[0].answer(new Error('Connection is closed.'));
    await expect(first).rejects.toThrow(new NotReplicatedError(0, 1, new Error('Connection is closed.')));
    await settle();
    writer.pending[1].answer(1);
    await expect(second).resolves.toBeUndefined();
  });

  it('refuses a write whose WAIT went out on a newer connection (a reconnect, maybe to another primary)', async () => {
    const { acks, writer } = setUp(1, 1);
    const first = acks.confirm();
    await settle();
    const second = acks.confirm(); // its reply came on the first connection, which then closed
    writer.connectionLost();
    const third = acks.confirm(); // a write on the new connection
    writer.pending[0].answer(1); // the WAIT in flight was sent before the close: it speaks for the first
    await expect(first).resolves.toBeUndefined();
    await settle();
    expect(writer.wait).toHaveBeenCalledTimes(2); // the second and third share the next WAIT
    writer.pending[1].answer(1);
    await expect(second).rejects.toThrow(
      new NotReplicatedError(0, 1, new Error('the writer connection was replaced between the write and its WAIT')),
    );
    await expect(third).resolves.toBeUndefined();
  });

  it('before writing, refuses when the primary has fewer replicas than the minimum (after asking again)', async () => {
    const { acks, replication } = setUp(1, 0);
    await expect(acks.ensureEnoughReplicas()).rejects.toEqual(new NotReplicatedError(0, 1));
    expect(replication.refreshReplicas).toHaveBeenCalledTimes(1);
    await expect(setUp(1, 0, 1).acks.ensureEnoughReplicas()).resolves.toBeUndefined();
    await expect(setUp(1, 2).acks.ensureEnoughReplicas()).resolves.toBeUndefined();
  });

  it('with REDIS_MIN_REPLICA_ACKS=0 and no replica, confirms without a WAIT', async () => {
    const { acks, writer } = setUp(0, 0);
    await expect(acks.ensureEnoughReplicas()).resolves.toBeUndefined();
    await expect(acks.confirm()).resolves.toBeUndefined();
    expect(writer.wait).not.toHaveBeenCalled();
  });
});

describe('ReplicaAcks with Sentinels', () => {
  it('refuses writes, before writing and after their WAIT, while the Sentinels fail the primary over', async () => {
    const { acks, writer, fence } = setUp(1, 2, 2, true);
    await settle();
    const confirmed = acks.confirm();
    await settle();
    fence.refusal = () => 'the Sentinels are failing the primary over'; // heard while the WAIT was out
    writer.pending[0].answer(2);
    await expect(confirmed).rejects.toThrow(new NotReplicatedError(0, 1, new Error('the Sentinels are failing the primary over')));
    await expect(acks.ensureEnoughReplicas()).rejects.toThrow(
      new NotReplicatedError(0, 1, new Error('the Sentinels are failing the primary over')),
    );
    fence.refusal = () => undefined;
    await expect(acks.ensureEnoughReplicas()).resolves.toBeUndefined();
  });

  it('refuses writes on a connection made before the last +switch-master; confirms again on the next connection', async () => {
    const { acks, writer, fence } = setUp(1, 2, 2, true);
    await settle();
    fence.switches = 1; // a new primary was named: this connection may be to the old one
    const stale = acks.confirm();
    await settle();
    writer.pending[0].answer(2);
    await expect(stale).rejects.toThrow(
      new NotReplicatedError(0, 1, new Error('the Sentinels named a new primary after the writer connected')),
    );
    writer.connectionLost();
    writer.connected();
    await settle();
    const fresh = acks.confirm();
    await settle();
    writer.pending[1].answer(2);
    await expect(fresh).resolves.toBeUndefined();
  });

  it('refuses while no fresh majority of Sentinels agrees on the primary (a silent partition)', async () => {
    const { acks, view } = setUp(1, 2, 2, true);
    await settle();
    view.agreed = () => 'only 1 of the 3 Sentinels answered in the last 1000 ms';
    await expect(acks.ensureEnoughReplicas()).rejects.toThrow(/only 1 of the 3 Sentinels answered/);
  });

  it('refuses when the writer reaches another Redis than the primary the Sentinels agree on', async () => {
    const { acks, writer } = setUp(1, 2, 2, true);
    writer.primary.runId = '7b21e4';
    writer.connectionLost();
    writer.connected();
    await settle();
    await expect(acks.ensureEnoughReplicas()).rejects.toThrow(/the writer is not connected to 10.0.0.1:6379/);
  });

  it('refuses before writing when a replica the Sentinels could promote is not online at the primary', async () => {
    const { acks, replication } = setUp(1, 1, 1, true);
    await settle();
    replication.replicaAddresses = new Set(['10.0.0.2:6379']);
    await expect(acks.ensureEnoughReplicas()).rejects.toThrow(/could promote 10.0.0.3:6379, which is not online at the primary/);
  });

  it('waits for every online replica, and refuses when WAIT counts fewer, though REDIS_MIN_REPLICA_ACKS would do', async () => {
    const { acks, writer } = setUp(1, 2, 2, true);
    await settle();
    const confirmed = acks.confirm();
    await settle();
    expect(writer.wait).toHaveBeenCalledWith(2, REDIS_TIMING.replicaWaitMs);
    writer.pending[0].answer(1); // WAIT counts any replica: this one may not be the one the Sentinels promote
    await expect(confirmed).rejects.toThrow(/1 of the replicas online at the primary did not confirm it/);
  });

  it('refuses when a promotable replica dropped off the primary while the WAIT was out', async () => {
    const { acks, writer } = setUp(1, 2, 2, true);
    await settle();
    writer.primary.online = ['10.0.0.2:6379']; // what the ROLE sent with the WAIT will say
    const confirmed = acks.confirm();
    await settle();
    writer.pending[0].answer(1);
    await expect(confirmed).rejects.toThrow(/could promote 10.0.0.3:6379, which is not online at the primary/);
  });

  it('confirms once every online replica, all the promotable ones among them, confirmed', async () => {
    const { acks, writer } = setUp(1, 2, 2, true);
    await settle();
    const confirmed = acks.confirm();
    await settle();
    writer.pending[0].answer(2);
    await expect(confirmed).resolves.toBeUndefined();
  });
});
