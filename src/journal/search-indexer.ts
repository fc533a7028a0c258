import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Metrics } from '../metrics/metrics.js';
import { REDIS_WRITER } from '../redis/redis.tokens.js';
import { UNINDEXED_KEY, type Scripted } from './journal.store.js';

/** How long a write's entry waits for the batch that indexes it: writes meanwhile join the batch. */
export const INDEX_DELAY_MS = 25;
/** Postings per batch: a few milliseconds of Redis, so that no batch holds the writes behind it long. */
const BATCH_POSTINGS = 2000;

/**
 * Fills the search index's word sets from the queue the write scripts keep (`journal:unindexed`),
 * a batch per script call, back to back until the queue is empty: INDEX_DELAY_MS after this pod
 * queued something (JournalStore), and at EntryIndex's sweeps for what other pods left queued.
 * Each batch is one atomic script, so pods never index an entry twice. The index is not an
 * acknowledged write: a batch lost in a failover leaves its entries queued on the new primary.
 */
@Injectable()
export class SearchIndexer implements OnApplicationShutdown {
  private readonly logger = new Logger(SearchIndexer.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private again = false;
  private failing = false;

  constructor(
    @Inject(REDIS_WRITER) private readonly writer: Scripted,
    private readonly metrics: Metrics,
  ) {}

  /** Indexes the queue soon (once, however many writes ask meanwhile). */
  schedule(): void {
    if (this.running) this.again = true;
    else this.timer ??= setTimeout(() => void this.run(), INDEX_DELAY_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.again = false;
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

  /**
   * At EntryIndex's sweeps: the queue's size for the gauge (also when batches fail, or another pod
   * emptied it), and a round when anything is queued.
   */
  async sweep(): Promise<void> {
    const queued = await this.writer.scard(UNINDEXED_KEY);
    this.metrics.searchUnindexed.set(queued);
    if (queued > 0) await this.run();
  }

  /** One round of indexQueued (or another right after the one under way), logging once per outage; the next write or sweep tries again. */
  private run(): Promise<unknown> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.indexQueued()
      .then(() => {
        if (this.failing) this.logger.log('indexing new entries for search works again');
        this.failing = false;
      })
      .catch((error: unknown) => {
        if (!this.failing)
          this.logger.warn(`indexing new entries for search failed, tried again at the next write or sweep: ${(error as Error).message}`);
        this.failing = true;
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
    return this.running;
  }
}
