import { pipeline, type Readable } from 'node:stream';
import { parser } from 'stream-json/parser.js';
import type { z } from 'zod';
import type { Author } from '../auth/author.js';
import { SLOW_CLIENT_LIMITS } from '../security/slow-clients.js';
import { MAX_BODY_BYTES, MAX_IMPORT_BYTES, type Entry } from './entry.contract.js';
import { dayOneEntrySchema, exportedEntrySchema } from './entry.js';
import { parseId, stableEntryId } from './entry-id.js';

type Token = parser.Token;

/**
 * One record of an import file: the entry to store, or why it cannot be; `line` is its line (NDJSON)
 * or its number in `entries` (Day One), from 1.
 */
export type ImportRecord = { line: number; entry: Entry } | { line: number; reason: string };

/** Why an import stopped before the end of its body; the records read before were imported as usual. */
export class ImportStop extends Error {
  constructor(
    readonly status: 400 | 408 | 413,
    message: string,
  ) {
    super(message);
  }
}

const tooLarge = () => new ImportStop(413, `the body is larger than the ${MAX_IMPORT_BYTES / 1024 / 1024} MiB limit`);

/** The file cannot be read on from some point (not a Day One export, not valid JSON there, or the client stopped sending it). */
export const unreadable = (why: string) => new ImportStop(400, why);

/**
 * How long after the request's start an import reads its body. Node cuts off a request whose body
 * has not arrived within requestTimeout (src/security/slow-clients.ts); an import reads its body
 * only as fast as it stores it, so it stops reading earlier, leaving time to store what it read and
 * answer what happened.
 */
const READ_MS = SLOW_CLIENT_LIMITS.requestTimeout - 5_000;

/**
 * The body's bytes up to MAX_IMPORT_BYTES (then a 413 ImportStop); a 400 if the client stops
 * sending it part way, a 408 if it is not read whole READ_MS after the request started
 * (`startedAt`, a performance.now() time). Reading stops when the reader does, without destroying
 * the request: the answer still has to go out on its connection.
 */
export async function* limitedBody(body: Readable, startedAt: number): AsyncGenerator<Buffer> {
  let received = 0;
  const chunks = body.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
  for (;;) {
    if (performance.now() - startedAt > READ_MS) {
      throw new ImportStop(
        408,
        `the body was not read whole within ${READ_MS / 1000} s (a request has ${SLOW_CLIENT_LIMITS.requestTimeout / 1000} s to arrive)`,
      );
    }
    let next: IteratorResult<Buffer>;
    try {
      next = await chunks.next();
    } catch (error) {
      throw unreadable(`the body did not arrive whole (${(error as Error).message})`);
    }
    if (next.done) return;
    received += next.value.length;
    if (received > MAX_IMPORT_BYTES) {
      yield next.value.subarray(0, next.value.length - (received - MAX_IMPORT_BYTES));
      throw tooLarge();
    }
    yield next.value;
  }
}

/** A line longer than this cannot be an entry: the longest text is 10,000 code points, as a single entry's body must fit in 64 KiB. */
const MAX_LINE_BYTES = MAX_BODY_BYTES;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The records of an export of this journal (application/x-ndjson): one JSON object per line, with
 * every field of the export. Blank lines are passed over; a line too long to be an entry is not
 * kept in memory (it is read to its end and reported).
 */
export async function* ndjsonRecords(body: AsyncIterable<Buffer>): AsyncGenerator<ImportRecord> {
  let line = 0;
  let parts: Buffer[] = [];
  let length = 0;
  const take = (piece: Buffer) => {
    length += piece.length;
    if (length <= MAX_LINE_BYTES) parts.push(piece);
  };
  const record = (): ImportRecord | undefined => {
    line++;
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const tooLong = length > MAX_LINE_BYTES;
    parts = [];
    length = 0;
    if (tooLong) return { line, reason: `the line is longer than ${MAX_LINE_BYTES / 1024} KiB: no entry is that long` };
    return ndjsonRecord(line, bytes);
  };
  for await (const chunk of body) {
    let start = 0;
    for (let end = chunk.indexOf(10, start); end !== -1; start = end + 1, end = chunk.indexOf(10, start)) {
      take(chunk.subarray(start, end));
      const next = record();
      if (next) yield next;
    }
    if (start < chunk.length) take(chunk.subarray(start));
  }
  if (length > 0) {
    const last = record();
    if (last) yield last;
  }
}

/** One line: undefined when blank. */
function ndjsonRecord(line: number, bytes: Buffer): ImportRecord | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { line, reason: 'the line is not valid UTF-8' };
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { line, reason: `not valid JSON: ${(error as Error).message}` };
  }
  const parsed = exportedEntrySchema.safeParse(value);
  if (!parsed.success) return { line, reason: reasons(parsed.error) };
  const { id, text: entryText, createdAt, updatedAt, author, private: isPrivate } = parsed.data;
  const stored = parseId(id);
  if (stored === undefined) {
    return {
      line,
      reason: `id must be a ULID (26 characters) or the number of an entry stored before ULIDs, got ${JSON.stringify(id.slice(0, 100))}`,
    };
  }
  return {
    line,
    entry: {
      id: stored,
      text: entryText,
      createdAt: new Date(createdAt).toISOString(),
      updatedAt: updatedAt === null ? undefined : new Date(updatedAt).toISOString(),
      author: author ?? undefined,
      private: isPrivate || undefined,
    },
  };
}

/**
 * The records of a Day One JSON export (`{"entries": [{"uuid", "text", "creationDate", ...}, ...]}`),
 * read as a stream of tokens (stream-json): only an entry's `uuid`, `text`, `creationDate` and
 * `modifiedDate` are kept while it is read, so memory stays small whatever the file holds (photos,
 * locations, weather...). Each becomes an entry of `importer` (none with AUTH_MODE=off), public, at
 * its creationDate, edited at its modifiedDate if that is later (UNEDITED_SLACK_MS), with an id made
 * from its uuid (stableEntryId). A body that is not such an object, or stops being valid JSON, ends
 * the reading (a 400 ImportStop).
 */
export async function* dayOneRecords(body: AsyncIterable<Buffer>, importer: Author | undefined): AsyncGenerator<ImportRecord> {
  // A string longer than this (the longest entry, with room for JSON escapes) is not kept: the parser stops there.
  const tokens = pipeline(body, parser.asStream({ streamValues: false, maxPackedLength: 4 * MAX_BODY_BYTES }), () => undefined);
  const reader = new DayOneReader();
  try {
    for await (const token of tokens as AsyncIterable<Token>) {
      const entry = reader.next(token);
      if (entry) yield dayOneRecord(reader.entries, entry.value, importer);
    }
  } catch (error) {
    if (error instanceof ImportStop) throw error;
    // The parser drops the tokens of the input chunk it fails in: where it failed is known only as "after" the last entry it gave.
    const read = reader.entries - (reader.reading ? 1 : 0);
    throw unreadable(`the body is not valid JSON${read === 0 ? '' : ` somewhere after entry ${read}`} (${(error as Error).message})`);
  }
  reader.end();
}

function dayOneRecord(line: number, value: unknown, importer: Author | undefined): ImportRecord {
  const parsed = dayOneEntrySchema.safeParse(value);
  if (!parsed.success) return { line, reason: reasons(parsed.error) };
  const { uuid, text, creationDate, modifiedDate } = parsed.data;
  const at = Date.parse(creationDate);
  const id = stableEntryId(at, uuid.replaceAll('-', '').toUpperCase());
  if (id === undefined) return { line, reason: `creationDate must be from 1970 on, got ${JSON.stringify(creationDate)}` };
  const edited = modifiedDate === undefined ? undefined : Date.parse(modifiedDate);
  return {
    line,
    entry: {
      id,
      text,
      createdAt: new Date(at).toISOString(),
      updatedAt: edited !== undefined && edited - at > UNEDITED_SLACK_MS ? new Date(edited).toISOString() : undefined,
      author: importer?.name,
    },
  };
}

/**
 * How far after creationDate a modifiedDate may be and still not count as an edit: Day One stamps an
 * entry never edited with a modifiedDate at, or a few ms around, its creationDate (and its dates may
 * be cut to the second), which would otherwise make every imported entry look edited.
 */
const UNEDITED_SLACK_MS = 1000;

const KEPT = new Set(['uuid', 'text', 'creationDate', 'modifiedDate']);

/**
 * Follows the tokens of a Day One export: the top-level object, its `entries` array (other members
 * are passed over), and in each entry the fields the import reads. `next` answers an entry when it
 * ends: its kept fields, or the value itself when it is not an object (which then fails).
 */
class DayOneReader {
  /** Entries met so far (the one being read included). */
  entries = 0;
  private started = false;
  private sawEntries = false;
  private inEntries = false;
  /** Inside the top-level object: the member whose value comes next. */
  private member?: string;
  /** Inside an entry: its kept fields so far, and the field whose value comes next (undefined: one not kept). */
  private entry?: Record<string, unknown>;
  private field?: string;
  /** Depth inside a value being passed over (0: none). */
  private skipping = 0;

  /** Inside an entry. */
  get reading(): boolean {
    return this.entry !== undefined;
  }

  next(token: Token): { value: unknown } | undefined {
    if (this.skipping > 0) {
      if (token.name === 'startObject' || token.name === 'startArray') this.skipping++;
      else if (token.name === 'endObject' || token.name === 'endArray') this.skipping--;
      return undefined;
    }
    if (!this.started) {
      if (token.name !== 'startObject') throw notDayOne('the body is not a JSON object');
      this.started = true;
      return undefined;
    }
    if (this.entry) return this.inEntry(token);
    if (this.inEntries) return this.inList(token);
    if (token.name === 'keyValue') {
      this.member = token.value;
      return undefined;
    }
    if (token.name === 'endObject') return undefined; // the end of the top-level object: the parser refuses anything after it
    if (this.member === 'entries') {
      if (token.name !== 'startArray') throw notDayOne('"entries" is not an array');
      this.inEntries = this.sawEntries = true;
      return undefined;
    }
    this.pass(token);
    return undefined;
  }

  /** After the last token. */
  end(): void {
    if (!this.sawEntries) throw notDayOne('it has no "entries" array');
  }

  private inList(token: Token): { value: unknown } | undefined {
    if (token.name === 'endArray') {
      this.inEntries = false;
      this.member = undefined;
      return undefined;
    }
    this.entries++;
    if (token.name === 'startObject') {
      this.entry = {};
      this.field = undefined;
      return undefined;
    }
    this.pass(token);
    return { value: valueOf(token) };
  }

  private inEntry(token: Token): { value: unknown } | undefined {
    if (token.name === 'keyValue') {
      this.field = KEPT.has(token.value) ? token.value : undefined;
      return undefined;
    }
    if (token.name === 'endObject') {
      const value = this.entry;
      this.entry = undefined;
      return { value };
    }
    if (this.field !== undefined) this.entry![this.field] = valueOf(token);
    this.pass(token);
    return undefined;
  }

  /** Passes over a value: a container to its end. */
  private pass(token: Token): void {
    if (token.name === 'startObject' || token.name === 'startArray') this.skipping = 1;
  }
}

/** A scalar token's value, or a stand-in for a container (enough for the error that it is not a string). */
function valueOf(token: Token): unknown {
  switch (token.name) {
    case 'stringValue':
      return token.value;
    case 'numberValue':
      return Number(token.value);
    case 'trueValue':
      return true;
    case 'falseValue':
      return false;
    case 'startArray':
      return [];
    case 'startObject':
      return {};
    default:
      return null;
  }
}

function notDayOne(why: string): ImportStop {
  return unreadable(`${why}: a Day One export is {"entries": [{"uuid": "...", "text": "...", "creationDate": "..."}, ...]}`);
}

/** A record's problems, as one line. */
function reasons(error: z.ZodError): string {
  return [...new Set(error.issues.map((issue) => issue.message))].join('; ');
}
