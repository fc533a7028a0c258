import { Inject, Injectable, Logger } from '@nestjs/common';
import { journalConfig, type JournalConfig } from '../config/journal.config.js';
import type { Entry, EntryPage } from './entry.contract.js';
import { parseId } from './entry.js';
import { entryNotFound, StorageUnavailableException } from './journal.problems.js';
import { JournalStore } from './journal.store.js';

@Injectable()
export class JournalService {
  private readonly logger = new Logger(JournalService.name);

  constructor(
    private readonly store: JournalStore,
    @Inject(journalConfig.KEY) private readonly config: JournalConfig,
  ) {}

  async create(text: string): Promise<Entry> {
    return JSON.parse(await this.storage(this.store.create(text, new Date().toISOString())));
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

  /** Any Redis failure is a 503 for the client; its text (hosts, internals) stays in our log. */
  private async storage<T>(operation: Promise<T>): Promise<T> {
    try {
      return await operation;
    } catch (error) {
      this.logger.warn(`storage failed: ${(error as Error).message}`);
      throw new StorageUnavailableException();
    }
  }
}
