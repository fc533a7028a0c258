import { afterAll, beforeAll } from '@jest/globals';
import { ApiProcess, redisEnv } from './api.js';
import { startRedisPair, type RedisPair, type RedisPairOptions } from './redis.js';

export interface JournalOptions {
  redis?: RedisPairOptions;
  /** Settings of the first API, besides the Redis ones. */
  env?: Record<string, string>;
}

/** A Redis pair (primary + replica with a password, AOF on) and the built API on it. */
export class Journal {
  private readonly apis: ApiProcess[] = [];

  private constructor(readonly redis: RedisPair) {}

  /** The API started with the pair. */
  get api(): ApiProcess {
    return this.apis[0];
  }

  /** Starts the pair and one API; if the API cannot start, the pair is stopped again. */
  static async start(options: JournalOptions = {}): Promise<Journal> {
    const journal = new Journal(await startRedisPair(options.redis));
    try {
      await journal.startApi(options.env);
    } catch (error) {
      await journal.stop();
      throw error;
    }
    return journal;
  }

  /** Another API process on the same pair (another pod of the Deployment), stopped with the rest. */
  async startApi(env: Record<string, string> = {}): Promise<ApiProcess> {
    const api = await ApiProcess.start({ ...redisEnv(this.redis), ...env });
    this.apis.push(api);
    return api;
  }

  async stop(): Promise<void> {
    await Promise.all(this.apis.map((api) => api.stop()));
    await this.redis.stop();
  }
}

/**
 * The usual set-up of an e2e spec: a Journal started before its tests (in `beforeAll`) and stopped
 * after them, also when a test or a start failed. Read its `api` and `redis` inside hooks and tests:
 *
 *   const journal = useJournal({ env: { JOURNAL_ENTRIES: '3' } });
 *   it('...', () => call(journal.api.url, 'GET', '/api/entries'));
 */
export function useJournal(options: JournalOptions = {}): Pick<Journal, 'api' | 'redis' | 'startApi'> {
  let started: Journal | undefined;
  const journal = () => {
    if (!started) throw new Error('the journal is started in beforeAll: use it inside hooks and tests');
    return started;
  };
  beforeAll(async () => {
    started = await Journal.start(options);
  }, 60_000);
  afterAll(() => started?.stop());
  return {
    get api() {
      return journal().api;
    },
    get redis() {
      return journal().redis;
    },
    startApi: (env) => journal().startApi(env),
  };
}
