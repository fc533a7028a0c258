import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { RedisConfig } from '../../src/config/redis.config.js';
import { FailoverFence } from '../../src/redis/failover-fence.js';
import type { SentinelView } from '../../src/redis/sentinel-view.js';
import { freePort, waitFor } from '../support/ports.js';
import { RedisNode } from '../support/redis.js';

/**
 * The fence's reading of Sentinel events, with scripted events: two plain redis-servers stand in
 * for the Sentinels' event channels (the first listed twice),
 * and the test publishes what Sentinels publish. The real failovers are in sentinel.e2e-spec.ts.
 */
let events: RedisNode;
let other: RedisNode;
let writer: Redis;
let fence: FailoverFence;
let writerCloses = 0;

beforeAll(async () => {
  Logger.overrideLogger(false); // the fence logs every scripted event; the expectations say what matters
  const node = async (name: string) => new RedisNode(name, await freePort(), mkdtempSync(join(tmpdir(), 'fence-')), ['--save', '']);
  [events, other] = [await node('events'), await node('other')];
  await Promise.all([events.start(), other.start()]);
  writer = new Redis(other.port, '127.0.0.1');
  writer.on('close', () => writerCloses++);
  const sentinels = [events, events, other].map((n) => ({ host: '127.0.0.1', port: n.port }));
  // The view is SentinelView's part (its own spec); here it only gets asked again at a +switch-master.
  fence = new FailoverFence(
    writer,
    { askAll: () => undefined } as SentinelView,
    { writer: { sentinels, masterName: 'journal' }, password: undefined } as RedisConfig,
  );
  await waitFor('the fence to subscribe', async () =>
    Number(((await events.command('PUBSUB', 'NUMSUB', '+switch-master')) as [string, number])[1]) >= 2 ? true : undefined,
  );
});

afterAll(async () => {
  fence.onApplicationShutdown();
  writer.disconnect();
  await Promise.all([events.stop(), other.stop()]);
});

/** Publishes as a Sentinel would, then gives the fence a moment to hear it. */
async function publish(channel: string, message: string): Promise<void> {
  await events.command('PUBLISH', channel, message);
  await new Promise((resolve) => setTimeout(resolve, 50));
}

/** The primary SentinelView agrees on, as the fence is asked about it. */
const primary = (address: string, configEpoch: number) => ({ address, runId: 'r', configEpoch });

describe('FailoverFence (scripted Sentinel events)', () => {
  it('refuses from the first failover step until a +switch-master names the new primary, and drops the writer connection then', async () => {
    const old = primary('10.0.0.1:6379', 0);
    expect(fence.refusal(old)).toBeUndefined();
    await publish('+try-failover', 'master journal 10.0.0.1 6379');
    expect(fence.refusal(old)).toBe('the Sentinels are failing over the primary 10.0.0.1:6379');
    await publish('+failover-state-send-slaveof-noone', 'slave 10.0.0.2:6379 10.0.0.2 6379 @ journal 10.0.0.1 6379');
    expect(fence.refusal(old)).toBeDefined();
    await waitFor('the writer to be connected', async () => (writer.status === 'ready' ? true : undefined));
    const [switchesBefore, closesBefore] = [fence.switches, writerCloses];
    await publish('+switch-master', 'journal 10.0.0.1 6379 10.0.0.2 6379');
    expect(fence.refusal(old)).toBeUndefined();
    expect(fence.switches).toBeGreaterThan(switchesBefore);
    await waitFor('the writer connection to be dropped', async () => (writerCloses > closesBefore ? true : undefined));
  });

  it('a late +switch-master of an earlier failover does not end the fence of a later one', async () => {
    await publish('+elected-leader', 'master journal 10.0.0.2 6379');
    await publish('+switch-master', 'journal 10.0.0.1 6379 10.0.0.2 6379'); // a Sentinel learning of the last failover late
    expect(fence.refusal(primary('10.0.0.2:6379', 1))).toBe('the Sentinels are failing over the primary 10.0.0.2:6379');
    await publish('+switch-master', 'journal 10.0.0.2 6379 10.0.0.3 6379');
    expect(fence.refusal(primary('10.0.0.3:6379', 2))).toBeUndefined();
  });

  it('a late failover step about an earlier primary never fences the current one', async () => {
    await publish('+failover-state-wait-promotion', 'slave 10.0.0.2:6379 10.0.0.2 6379 @ journal 10.0.0.1 6379');
    expect(fence.refusal(primary('10.0.0.3:6379', 2))).toBeUndefined();
    await publish('+switch-master', 'journal 10.0.0.1 6379 10.0.0.3 6379');
  });

  it('a vote (it names no primary) fences only while its epoch is newer than the one that made the current primary', async () => {
    const current = primary('10.0.0.3:6379', 7);
    await publish('+vote-for-leader', 'eaa4d3ce15ec76ca91c24674e4e70e712df89e43 7'); // the vote that made it: retransmitted late
    expect(fence.refusal(current)).toBeUndefined();
    await publish('+vote-for-leader', 'eaa4d3ce15ec76ca91c24674e4e70e712df89e43 8'); // a new failover of it
    expect(fence.refusal(current)).toBe('the Sentinels are voting to fail over the primary 10.0.0.3:6379');
    // The failover ends with a new primary made in epoch 8.
    expect(fence.refusal(primary('10.0.0.1:6379', 8))).toBeUndefined();
  });

  it('ignores the failovers of another master name', async () => {
    await publish('+try-failover', 'master other-journal 10.0.0.9 6379');
    await publish('+switch-master', 'other-journal 10.0.0.9 6379 10.0.0.8 6379');
    expect(fence.refusal(primary('10.0.0.9:6379', 0))).toBeUndefined();
  });
});
