import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_WRITER } from './redis.tokens.js';

const REFRESH_MS = 5000;

/**
 * How many replicas the primary has, so that a write can WAIT for all of them: after that, a read
 * from any replica sees it (read-your-writes although reads go to replicas).
 */
@Injectable()
export class Replicas implements OnApplicationShutdown {
  private known?: number;
  private readonly timer: NodeJS.Timeout;

  constructor(@Inject(REDIS_WRITER) private readonly writer: Redis) {
    writer.on('ready', () => void this.refresh());
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS).unref();
  }

  /** The last count seen; asks the primary only before the first answer. */
  async count(): Promise<number> {
    return this.known ?? (await this.refresh());
  }

  /** Reads the primary's replica list (ROLE); called on connect, every few seconds and when a WAIT falls short. */
  async refresh(): Promise<number> {
    try {
      const role = (await this.writer.call('ROLE')) as [string, number, unknown[]];
      this.known = role[0] === 'master' ? role[2].length : 0;
    } catch {
      // The primary is down: writes fail anyway; the next refresh tries again.
    }
    return this.known ?? 0;
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
