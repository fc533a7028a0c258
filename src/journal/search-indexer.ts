import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Metrics } from '../metrics/metrics.js';
import { REDIS_WRITER } from '../redis/redis.tokens.js';
import type { Scripted } from './journal.store.js';

/** How often the queue of entries to index is looked at: what a write adds waits about half this. */
export const INDEX_INTERVAL_MS = 25;
/** Postings per batch: a few milliseconds of Redis, so that no batch holds the writes behind it long. */
const BATCH_POSTINGS = 2000;

/**
 * Fills the search index's word sets from the queue the write scripts keep (`journal:unindexed`),
 * a batch per script call, back to back while entries are queued, else every INDEX_INTERVAL_MS.
 * Every API pod runs one; each batch is one atomic script, so pods never index an entry twice.
 * The index is not an acknowledged write: a batch lost in a failover leaves its entries queued on
 * the new primary, which the next batch indexes.
 */
@Injectable()
export class SearchIndexer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SearchIndexer.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private failing = false;

  constructor(
    @Inject(REDIS_WRITER) private readonly writer: Scripted,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.run(), INDEX_INTERVAL_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Indexes everything queued; resolves with how many entries it indexed. */
  async indexQueued(): Promise<number> {
    let indexed = 0;
    for (;;) {
      const [done, queued] = await this.writer.indexBatch(BATCH_POSTINGS);
      indexed += done;
      this.metrics.searchUnindexed.set(queued);
      if (queued === 0 || done === 0) return indexed;
    }
  }

  private run(): void {
    if (this.running || this.writer.status !== 'ready') return;
    this.running = this.indexQueued()
      .then(() => {
        this.failing = false;
      })
      .catch((error: unknown) => {
        // Once per outage: a primary that is down or read-only is tried again at the next interval.
        if (!this.failing) this.logger.warn(`indexing new entries for search failed, tried again: ${(error as Error).message}`);
        this.failing = true;
      })
      .finally(() => (this.running = undefined));
  }
}
