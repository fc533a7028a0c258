import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { journalConfig, type JournalConfig } from '../config/journal.config.js';
import { ProblemException, StorageUnavailableException } from '../problem/problem.js';
import type { Entry, EntryPage } from './entry.contract.js';
import { parseId } from './entry.js';
import { NotReplicatedError } from '../redis/replica-acks.js';
import { JournalStore, StorageFullError, type CreateOptions } from './journal.store.js';

@Injectable()
export class JournalService {
  private readonly logger = new Logger(JournalService.name);

  constructor(
    private readonly store: JournalStore,
    @Inject(journalConfig.KEY) private readonly config: JournalConfig,
  ) {}

  /** The new entry, or the one a first request with the same Idempotency-Key stored. */
  async create(text: string, options: CreateOptions = {}): Promise<Entry> {
    const result = await this.storage(this.store.create(text, new Date().toISOString(), options));
    if (result.outcome === 'key-reused') throw keyReused();
    if (result.outcome === 'key-in-flight') throw keyInFlight();
    return JSON.parse(result.entry);
  }

  async page(page: number): Promise<EntryPage> {
    const pageSize = this.config.pageSize;
    const { total, entries } = await this.storage(this.store.page((page - 1) * pageSize, pageSize));
    return { entries: entries.map((entry) => JSON.parse(entry)), page, pageSize, total };
  }

  async get(id: string): Promise<Entry> {
    const entry = await this.storage(this.store.get(this.entryId(id)));
    if (entry === undefined) throw entryNotFound(id);
    return JSON.parse(entry);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.storage(this.store.delete(this.entryId(id))))) throw entryNotFound(id);
  }

  private entryId(id: string): number {
    const parsed = parseId(id);
    if (parsed === undefined) throw entryNotFound(id);
    return parsed;
  }

  /** Any Redis failure is a 503 for the client (507 when full); its text (hosts, internals) stays in our log. */
  private async storage<T>(operation: Promise<T>): Promise<T> {
    try {
      return await operation;
    } catch (error) {
      this.logger.warn(`storage failed: ${(error as Error).message}`);
      if (error instanceof NotReplicatedError) throw writeNotConfirmed();
      if (error instanceof StorageFullError) throw storageFull();
      throw new StorageUnavailableException();
    }
  }
}

function writeNotConfirmed(): ProblemException {
  return new ProblemException(
    HttpStatus.SERVICE_UNAVAILABLE,
    'write-not-confirmed',
    'Write not confirmed',
    'Too few storage replicas confirmed this write in time, so it may or may not have been stored; ' +
      'try again in a moment (a create with the same Idempotency-Key never stores it twice)',
    {},
    { 'Retry-After': '1' },
  );
}

function storageFull(): ProblemException {
  return new ProblemException(
    HttpStatus.INSUFFICIENT_STORAGE,
    'storage-full',
    'Storage full',
    'The journal has no room for new entries; nothing was stored. Reading and deleting entries still work',
  );
}

function keyReused(): ProblemException {
  return new ProblemException(
    HttpStatus.UNPROCESSABLE_ENTITY,
    'idempotency-key-reused',
    'Idempotency-Key reused',
    'This Idempotency-Key was used in the last 24 hours for a different text; use a new key for a new entry',
  );
}

function keyInFlight(): ProblemException {
  return new ProblemException(
    HttpStatus.CONFLICT,
    'idempotency-key-in-flight',
    'Request with this Idempotency-Key in progress',
    'A request with this Idempotency-Key is still being processed; retry after it was answered',
    {},
    { 'Retry-After': '1' },
  );
}

export function entryNotFound(id: string): ProblemException {
  return new ProblemException(
    HttpStatus.NOT_FOUND,
    'entry-not-found',
    'Entry not found',
    `there is no entry with id ${JSON.stringify(id.slice(0, 100))}`,
  );
}
