import { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Author } from '../auth/author.js';
import { journalConfig, type JournalConfig } from '../config/journal.config.js';
import type { ProblemException } from '../problem/problem.js';
import { NotReplicatedError } from '../redis/replica-acks.js';
import { StorageFullError } from '../redis/replicated-redis.js';
import { mayChange, mayRead } from './access.js';
import { MAX_LISTED_FAILURES, type Entry, type ExportedEntry, type ImportSummary } from './entry.contract.js';
import type { EntryPatch } from './entry.js';
import { newEntryId, parseId } from './entry-id.js';
import { digestOf, etagOf, ifMatchDigests } from './etag.js';
import {
  entryNotFound,
  importInterrupted,
  importStopped,
  keyInFlight,
  keyReused,
  notYourEntry,
  preconditionFailed,
  preconditionRequired,
  privateNeedsSignIn,
  StorageUnavailableException,
  storageFull,
  writeNotConfirmed,
} from './journal.problems.js';
import { ImportStop, type ImportRecord } from './import-records.js';
import { normalizedWords } from './words.js';
import { JournalStore, type Audience, type CreateOptions } from './journal.store.js';

/** An entry and its ETag (of the JSON as stored). */
export interface Tagged {
  entry: Entry;
  etag: string;
}

/** How often a delete reads the entry again when it changed between its read and its removal. */
const DELETE_ATTEMPTS = 5;
/** How many entries an import sends to Redis at a time, before one WAIT for them all. */
const IMPORT_BATCH = 500;
/** Batches an import has at Redis at once: the API reads the next while Redis stores one and the replicas confirm another. */
const IMPORT_BATCHES_IN_FLIGHT = 2;

@Injectable()
export class JournalService {
  private readonly logger = new Logger(JournalService.name);

  constructor(
    private readonly store: JournalStore,
    @Inject(journalConfig.KEY) private readonly config: JournalConfig,
  ) {}

  /** The new entry (its author: `options.author`, none with AUTH_MODE=off), or the one a first request with the same Idempotency-Key stored. */
  async create(text: string, options: CreateOptions = {}): Promise<Tagged> {
    if (options.private && options.author === undefined) throw privateNeedsSignIn();
    const now = Date.now();
    const result = await this.storage(this.store.create(newEntryId(now), text, new Date(now), options));
    if (result.outcome === 'key-reused') throw keyReused();
    if (result.outcome === 'key-in-flight') throw keyInFlight();
    return tagged(result.entry);
  }

  /**
   * A page of the entries `caller` may read, newest first, with their total; with a query `q`
   * (words, the last one also as a prefix), of those that match it, and their number. As the JSON
   * text of an EntryPage, its entries as stored: the write scripts store each one as the JSON the
   * API answers with, so serialising them again would only cost time.
   */
  async page(page: number, caller: Author | undefined, q = ''): Promise<string> {
    const pageSize = this.config.pageSize;
    const offset = (page - 1) * pageSize;
    const words = [...new Set(normalizedWords(q))];
    const prefix = words.pop();
    const { total, entries } = await this.storage(
      prefix === undefined
        ? this.store.page(audience(caller), offset, pageSize)
        : this.store.search(words, prefix, audience(caller), offset, pageSize),
    );
    // Parsed only to prove each one readable (an unreadable entry is a 500, not a broken page).
    for (const entry of entries) JSON.parse(entry);
    return `{"entries":[${entries.join(',')}],"page":${page},"pageSize":${pageSize},"total":${total}}`;
  }

  /**
   * Every entry `caller` may read, oldest first, as NDJSON (one JSON object and a newline per
   * entry), read a batch at a time. The first batch is read before answering, so a storage failure
   * then is a 503; later the answer has started and can only be cut short.
   */
  async export(caller: Author | undefined): Promise<Readable> {
    const batches = this.store.oldestFirst(audience(caller));
    const first = await this.storage(batches.next());
    const lines = (batch: string[]) => batch.map((json) => JSON.stringify(exported(JSON.parse(json) as Entry)) + '\n').join('');
    return Readable.from(
      (async function* () {
        if (first.done) return;
        yield lines(first.value);
        for await (const batch of batches) yield lines(batch);
      })(),
    );
  }

  /**
   * Stores the records of an import file (read as its body arrives), IMPORT_BATCH at a time, each
   * whole or not at all and never over an entry with the same id (then it is skipped); while
   * batches are stored the next ones are read. Answers the summary once the replicas confirmed
   * every batch. A storage failure stops it: 503 or 507, saying that sending the file again is
   * safe. So does a body over the limit (413), one that cannot be read on (400), or one not read
   * whole in time (408), after the records read before were stored as usual.
   */
  async import(records: AsyncIterable<ImportRecord>): Promise<ImportSummary> {
    const summary: ImportSummary = { imported: 0, skipped: 0, failed: [], failedTotal: 0 };
    let batch: Entry[] = [];
    const storing: Promise<void>[] = [];
    let failure: { error: unknown } | undefined;
    const send = async () => {
      if (storing.length >= IMPORT_BATCHES_IN_FLIGHT) await storing.shift();
      if (failure || batch.length === 0) return;
      const entries = batch;
      batch = [];
      storing.push(
        this.store.importBatch(entries).then(
          (outcomes) => {
            for (const outcome of outcomes) summary[outcome === 'created' ? 'imported' : 'skipped']++;
          },
          (error: unknown) => void (failure = { error }),
        ),
      );
    };
    let lastLine = 0;
    let stopped: ImportStop | undefined;
    try {
      for await (const record of records) {
        if (failure) break;
        lastLine = record.line;
        if ('entry' in record) {
          batch.push(record.entry);
          if (batch.length >= IMPORT_BATCH) await send();
        } else if (summary.failedTotal++ < MAX_LISTED_FAILURES) {
          summary.failed.push({ line: record.line, reason: record.reason });
        }
      }
    } catch (error) {
      if (!(error instanceof ImportStop)) throw error;
      stopped = error;
    }
    await send();
    await Promise.all(storing);
    if (failure) throw this.importFailure(failure.error);
    if (stopped) throw importStopped(stopped, summary, lastLine);
    return summary;
  }

  async get(id: string, caller: Author | undefined): Promise<Tagged> {
    const json = await this.storage(this.store.get(this.entryId(id)));
    const found = json === undefined ? undefined : tagged(json);
    if (!found || !mayRead(found.entry, caller)) throw entryNotFound(id);
    return found;
  }

  /**
   * Applies `patch` if `ifMatch` names the entry's current ETag and `caller` may change it. The
   * check is made against the primary's copy and the write only replaces that very version, so
   * of concurrent edits made with the same ETag exactly one succeeds (the others: 412).
   */
  async edit(id: string, patch: EntryPatch, ifMatch: string | undefined, caller: Author | undefined): Promise<Tagged> {
    const wanted = ifMatch === undefined ? undefined : ifMatchDigests(ifMatch);
    if (!wanted || 'any' in wanted) throw preconditionRequired();
    if (patch.private && caller === undefined) throw privateNeedsSignIn();
    const key = this.entryId(id);
    const json = await this.storage(this.store.current(key));
    const before = json === undefined ? undefined : (JSON.parse(json) as Entry);
    if (!before || !mayRead(before, caller)) throw entryNotFound(id);
    if (!mayChange(before, caller)) throw notYourEntry(before.author ?? null, 'edit');
    const digest = digestOf(json!);
    if (!wanted.digests.includes(digest)) throw preconditionFailed();
    const after: Entry = {
      id: before.id,
      text: patch.text ?? before.text,
      createdAt: before.createdAt,
      updatedAt: new Date().toISOString(),
      author: before.author,
      private: (patch.private ?? before.private) || undefined,
    };
    const stored = JSON.stringify(after);
    const result = await this.storage(this.store.update(key, digest, before, stored, after));
    if (result === 'gone') throw entryNotFound(id);
    if (result === 'changed') throw preconditionFailed();
    return tagged(stored);
  }

  /** The author or an admin may delete an entry; anyone when writes need no token (`caller` undefined). */
  async delete(id: string, caller: Author | undefined): Promise<void> {
    const key = this.entryId(id);
    for (let attempt = 0; attempt < DELETE_ATTEMPTS; attempt++) {
      const json = await this.storage(this.store.current(key));
      const entry = json === undefined ? undefined : (JSON.parse(json) as Entry);
      if (!entry || !mayRead(entry, caller)) throw entryNotFound(id);
      if (!mayChange(entry, caller)) throw notYourEntry(entry.author ?? null, 'delete');
      const result = await this.storage(this.store.delete(key, digestOf(json!), entry));
      if (result === 'deleted') return;
      if (result === 'gone') throw entryNotFound(id);
      // Edited between the read and the removal: check its rights again.
    }
    throw new StorageUnavailableException();
  }

  private entryId(id: string): string {
    const parsed = parseId(id);
    if (parsed === undefined) throw entryNotFound(id);
    return parsed;
  }

  /** An import's storage failure, as storage() words it for one write. */
  private importFailure(error: unknown): ProblemException {
    this.logger.warn(`import stopped, storage failed: ${(error as Error).message}`);
    if (error instanceof NotReplicatedError) return importInterrupted.notConfirmed();
    if (error instanceof StorageFullError) return importInterrupted.full();
    return importInterrupted.unavailable();
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

/** An entry in the export format: every field present (null when the entry has none), `private` a boolean. */
function exported(entry: Entry): ExportedEntry {
  return {
    id: entry.id,
    text: entry.text,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt ?? null,
    author: entry.author ?? null,
    private: entry.private === true,
  };
}

function tagged(json: string): Tagged {
  return { entry: JSON.parse(json), etag: etagOf(json) };
}

/** Admins read every entry; a signed-in author the public ones and their own private ones; anyone else the public ones. */
export function audience(caller: Author | undefined): Audience {
  return caller?.admin ? { all: true } : { all: false, author: caller?.name };
}
