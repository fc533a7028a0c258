import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Writer } from '../auth/writer.js';
import { journalConfig, type JournalConfig } from '../config/journal.config.js';
import type { Entry, EntryPage } from './entry.contract.js';
import { parseId } from './entry.js';
import { NotReplicatedError } from '../redis/replica-acks.js';
import {
  entryNotFound,
  keyInFlight,
  notYourEntry,
  keyReused,
  StorageUnavailableException,
  storageFull,
  writeNotConfirmed,
} from './journal.problems.js';
import { JournalStore, StorageFullError, type CreateOptions } from './journal.store.js';

@Injectable()
export class JournalService {
  private readonly logger = new Logger(JournalService.name);

  constructor(
    private readonly store: JournalStore,
    @Inject(journalConfig.KEY) private readonly config: JournalConfig,
  ) {}

  /** The new entry (its author: `options.writer`, none with AUTH_MODE=off), or the one a first request with the same Idempotency-Key stored. */
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

  /** The author or an admin may delete an entry; anyone when writes need no token (`writer` undefined). */
  async delete(id: string, writer?: Writer): Promise<void> {
    const owner = writer && !writer.admin ? writer.name : undefined;
    const result = await this.storage(this.store.delete(this.entryId(id), owner));
    if (result === 'not-found') throw entryNotFound(id);
    if (result !== 'deleted') throw notYourEntry(result.author);
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
