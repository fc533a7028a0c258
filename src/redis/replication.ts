import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_READER, REDIS_WRITER } from './redis.tokens.js';

const REFRESH_MS = 1000;

/**
 * What read-your-writes needs to know about replication, refreshed every second with ROLE:
 * how many replicas the primary has (a write WAITs for all of them), and whether the reader is a
 * replica cut off from its primary (while it links or syncs it serves old data: read the primary).
 */
@Injectable()
export class Replication implements OnApplicationShutdown {
  private replicas?: number;
  private addresses = new Set<string>();
  private readerCutOff = true; // until its first ROLE says otherwise
  private readonly timer: NodeJS.Timeout;

  constructor(
    @Inject(REDIS_WRITER) private readonly writer: Redis,
    @Inject(REDIS_READER) private readonly reader: Redis,
  ) {
    writer.on('ready', () => void this.refreshReplicas());
    reader.on('ready', () => void this.refreshReader());
    this.timer = setInterval(() => {
      void this.refreshReplicas();
      void this.refreshReader();
    }, REFRESH_MS).unref();
  }

  /** The last count seen; asks the primary only before the first answer. */
  async replicaCount(): Promise<number> {
    return this.replicas ?? (await this.refreshReplicas());
  }

  /** The replicas online at the primary, as `host:port` (their announced address), at the last ROLE seen. */
  get replicaAddresses(): ReadonlySet<string> {
    return this.addresses;
  }

  /** Takes the primary's ROLE reply (asked here or by a caller that needed it anyway). */
  noteRole(role: unknown[]): number {
    if (role[0] !== 'master') {
      this.replicas = 0;
      this.addresses = new Set();
    } else {
      const replicas = role[2] as [string, string, string][];
      this.replicas = replicas.length;
      this.addresses = new Set(replicas.map(([host, port]) => `${host}:${port}`));
    }
    return this.replicas;
  }

  /** False while the reader is a replica whose link to the primary is not up. */
  get readerInSync(): boolean {
    return !this.readerCutOff;
  }

  /** Called on connect, every second, and when a WAIT falls short. */
  async refreshReplicas(): Promise<number> {
    try {
      this.noteRole((await this.writer.call('ROLE')) as unknown[]);
    } catch {
      // The primary is down: writes fail anyway; the next refresh tries again.
    }
    return this.replicas ?? 0;
  }

  private async refreshReader(): Promise<void> {
    try {
      const role = (await this.reader.call('ROLE')) as string[];
      this.readerCutOff = role[0] === 'slave' && role[3] !== 'connected';
    } catch {
      // The reader is down: the store sees its status and reads from the primary.
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
