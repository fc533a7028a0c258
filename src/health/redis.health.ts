import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { REDIS_READER, REDIS_WRITER } from '../redis/redis.tokens.js';

/** PINGs the writer and the reader; reports reachability only, never hosts or passwords. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    @Inject(REDIS_WRITER) private readonly writer: Redis,
    @Inject(REDIS_READER) private readonly reader: Redis,
  ) {}

  writerStatus(): Promise<HealthIndicatorResult> {
    return this.status('writer', this.writer);
  }

  readerStatus(): Promise<HealthIndicatorResult> {
    return this.status('reader', this.reader);
  }

  /** Ready to serve: reads work when either endpoint answers. */
  async anyEndpoint(): Promise<HealthIndicatorResult> {
    const session = this.indicator.check('redis');
    const [writer, reader] = await Promise.all([ping(this.writer), ping(this.reader)]);
    const state = { writer: upDown(writer), reader: upDown(reader) };
    return writer || reader ? session.up(state) : session.down(state);
  }

  private async status(key: string, client: Redis): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    return (await ping(client)) ? session.up() : session.down({ message: `not reachable (${client.status})` });
  }
}

async function ping(client: Redis): Promise<boolean> {
  if (client.status !== 'ready') return false;
  return client.ping().then(
    () => true,
    () => false,
  );
}

const upDown = (up: boolean) => (up ? 'up' : 'down');
