import { z } from 'zod';
import { AUTHOR_NAME } from '../config/env.schema.js';
import { problemSchema } from '../problem/problem.js';
import {
  blankProblem,
  countCodePoints,
  MAX_LISTED_FAILURES,
  MAX_TEXT_CODE_POINTS,
  type Entry,
  type EntryPage,
  type ExportedEntry,
  type ImportSummary,
} from './entry.contract.js';

export const MAX_PAGE = 1_000_000_000;

const textSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'text is required' : 'text must be a string') })
  .refine((text) => blankProblem(text) === undefined, {
    error: (issue) =>
      blankProblem(String(issue.input)) === 'invisible'
        ? 'text must not be blank: it has only invisible characters (such as zero-width spaces), no visible one'
        : 'text must not be blank',
  })
  .refine((text) => text.isWellFormed(), { error: 'text must be valid Unicode (it has a lone surrogate)' })
  .refine((text) => countCodePoints(text) <= MAX_TEXT_CODE_POINTS, {
    error: (issue) => `text must be at most ${MAX_TEXT_CODE_POINTS} characters, got ${countCodePoints(String(issue.input))}`,
  })
  // For the OpenAPI document: JSON Schema counts length in code points too, and the pattern asks for a visible character.
  .meta({
    description: `Not blank (at least one visible character), at most ${MAX_TEXT_CODE_POINTS} characters (code points: 😀 is one, an emoji joined from several such as 👩‍💻 counts each), valid Unicode`,
    maxLength: MAX_TEXT_CODE_POINTS,
    pattern: '[^\\s\\p{Cc}\\p{Default_Ignorable_Code_Point}]',
    example: 'Dear diary',
  });

const privateSchema = z
  .boolean({ error: 'private must be true or false' })
  .meta({ description: 'Visible only to its author and admins (needs AUTH_MODE=token)', example: false });

/** The error of a strict body (or of a line of an import, `what`): which fields it may have. */
const onlyFields =
  (fields: string, example: string, what = 'the body') =>
  (issue: { code?: string; keys?: string[] }): string =>
    issue.code === 'unrecognized_keys'
      ? `unknown field${issue.keys!.length > 1 ? 's' : ''} ${issue.keys!.map((k) => JSON.stringify(k)).join(', ')}: only ${fields} are accepted`
      : `${what} must be a JSON object like ${example}`;

/** The error of a field of an imported entry: missing, or what it must be. */
const fieldError =
  (name: string, rule: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `${name} is required` : `${name} must be ${rule}, got ${JSON.stringify(issue.input)?.slice(0, 100)}`;

const UTC_TIME = 'a date and time in UTC such as "2026-11-25T09:30:00.000Z"';

/** Strict: an `id`, `createdAt` or any other field a client sends is rejected, never stored. */
export const newEntrySchema = z
  .strictObject({ text: textSchema, private: privateSchema.optional() }, { error: onlyFields('"text" and "private"', '{"text": "..."}') })
  .meta({
    id: 'NewEntry',
    description: 'A new entry: `text`, and `private` if only its author and admins may see it; any other field is a 400',
  });

export type NewEntry = z.infer<typeof newEntrySchema>;

/** An edit: a new `text`, a new `private`, or both. */
export const entryPatchSchema = z
  .strictObject(
    { text: textSchema.optional(), private: privateSchema.optional() },
    { error: onlyFields('"text" and "private"', '{"text": "..."}') },
  )
  .refine((patch) => patch.text !== undefined || patch.private !== undefined, { error: 'the body must change "text", "private" or both' })
  .meta({ id: 'EntryPatch', description: 'What to change: `text`, `private` or both; any other field is a 400' });

export type EntryPatch = z.infer<typeof entryPatchSchema>;

/** `?page=` as the client typed it: digits only, once. */
export const pageSchema = z
  .unknown()
  .transform((value, ctx) => {
    if (value === undefined) return 1;
    if (Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: 'page must be given once' });
      return z.NEVER;
    }
    if (typeof value !== 'string' || !/^[1-9]\d*$/.test(value) || Number(value) > MAX_PAGE) {
      ctx.addIssue({
        code: 'custom',
        message: `page must be a whole number from 1 to ${MAX_PAGE}, got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    return Number(value);
  })
  // The transform above is invisible to JSON Schema: the OpenAPI document takes the rule from here.
  .meta({ description: 'Which page; the first when left out', type: 'integer', minimum: 1, maximum: MAX_PAGE });

export const MAX_QUERY_LENGTH = 200;

/** `?q=`: words to search for, once; blank (or absent) is the plain list. */
export const querySchema = z
  .unknown()
  .transform((value, ctx) => {
    if (value === undefined) return '';
    if (typeof value !== 'string') {
      ctx.addIssue({ code: 'custom', message: 'q must be given once' });
      return z.NEVER;
    }
    if (countCodePoints(value) > MAX_QUERY_LENGTH) {
      ctx.addIssue({ code: 'custom', message: `q must be at most ${MAX_QUERY_LENGTH} characters, got ${countCodePoints(value)}` });
      return z.NEVER;
    }
    return value;
  })
  .meta({
    description: `Words to search for (at most ${MAX_QUERY_LENGTH} characters): entries holding every word as a whole word, the last one also as the start of a word; case and accents do not matter. Blank: every entry`,
    type: 'string',
    maxLength: MAX_QUERY_LENGTH,
    example: 'walk beach',
  });

// What the API answers, for the OpenAPI document. `satisfies` ties each schema to the type the code
// returns; objects are strict, so the OpenAPI test fails if a response gains a field the document lacks.

export const entrySchema = z
  .strictObject({
    id: z.string().meta({
      description: 'Opaque: use it as given (a ULID; entries stored before ULIDs keep their numeric id)',
      example: '01KBV5X3J8Q4M2N6P7R9S0T1VW',
    }),
    text: textSchema,
    createdAt: z.iso.datetime().meta({ description: 'When it was created, ISO 8601 in UTC', example: '2026-11-25T09:30:00.000Z' }),
    updatedAt: z.iso
      .datetime()
      .optional()
      .meta({ description: 'When it was last edited, ISO 8601 in UTC (only on edited entries)', example: '2026-11-26T18:05:00.000Z' }),
    private: z.literal(true).optional().meta({ description: 'Only on private entries: visible to its author and admins only' }),
    author: z
      .string()
      .regex(AUTHOR_NAME)
      .optional()
      .meta({ description: 'The name of the token that wrote it (entries written with AUTH_MODE=token)', example: 'alice' }),
  })
  .meta({ id: 'Entry' }) satisfies z.ZodType<Entry>;

/** An export's line; the import checks each line of an NDJSON file against it (errors worded for that). */
export const exportedEntrySchema = z
  .strictObject(
    {
      id: z.string({ error: fieldError('id', 'a string') }).meta(entrySchema.shape.id.meta()!),
      text: textSchema,
      createdAt: z.iso.datetime({ error: fieldError('createdAt', UTC_TIME) }).meta(entrySchema.shape.createdAt.meta()!),
      updatedAt: z.iso
        .datetime({ error: fieldError('updatedAt', `null or ${UTC_TIME}`) })
        .nullable()
        .meta({ description: 'When it was last edited; null if never' }),
      author: z
        .string({ error: fieldError('author', 'null or a name of 1 to 64 letters, digits and ._@-') })
        .regex(AUTHOR_NAME, { error: fieldError('author', 'null or a name of 1 to 64 letters, digits and ._@-') })
        .nullable()
        .meta({ description: 'The name of the token that wrote it; null if none' }),
      private: z.boolean({ error: fieldError('private', 'true or false') }).meta({ description: 'Visible to its author and admins only' }),
    },
    {
      error: onlyFields(
        '"id", "text", "createdAt", "updatedAt", "author" and "private"',
        '{"id": "...", "text": "...", "createdAt": "...", "updatedAt": null, "author": null, "private": false}',
        'a line',
      ),
    },
  )
  .meta({ id: 'ExportedEntry', description: 'One line of an export, or of an NDJSON import' }) satisfies z.ZodType<ExportedEntry>;

/** A date of a Day One entry: any UTC offset, as Day One writes them. */
const dayOneDate = (name: string) =>
  z.iso.datetime({ offset: true, error: fieldError(name, 'a date and time such as "2016-06-06T14:29:01Z"') });

/** The fields of a Day One export's entry that an import reads (others are left out). */
export const dayOneEntrySchema = z.object(
  {
    uuid: z
      .string({ error: fieldError('uuid', 'a string of 32 hexadecimal digits') })
      .regex(/^[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}$/, {
        error: fieldError('uuid', 'a string of 32 hexadecimal digits'),
      }),
    text: textSchema,
    creationDate: dayOneDate('creationDate'),
    // Optional: Day One may leave it out of an entry never edited, or write it at creationDate (not an edit, see dayOneRecord).
    modifiedDate: dayOneDate('modifiedDate').optional(),
  },
  { error: 'an entry must be a JSON object' },
);

/** A Day One export as the import reads it, for the OpenAPI document (other members and fields are allowed, and left out). */
export const dayOneExportSchema = z
  .looseObject({
    entries: z.array(
      z.looseObject({
        uuid: z.string().meta({
          description: '32 hexadecimal digits: the entry gets an id made from it and creationDate',
          example: 'C2A3F1B0E4D54F6E9A8B7C6D5E4F3A2B',
        }),
        text: textSchema,
        creationDate: dayOneEntrySchema.shape.creationDate.meta({ example: '2016-06-06T14:29:01Z' }),
        modifiedDate: dayOneEntrySchema.shape.modifiedDate.meta({
          description:
            "When it was last edited: the entry's `updatedAt` if more than a second after creationDate (Day One writes one within a few milliseconds of creationDate on an entry never edited)",
          example: '2016-06-08T19:02:45Z',
        }),
      }),
    ),
  })
  .meta({
    id: 'DayOneExport',
    description: "Day One's JSON export: of each entry the import reads `uuid`, `text`, `creationDate` and `modifiedDate`",
  });

export const entryPageSchema = z
  .strictObject({
    entries: z.array(entrySchema).meta({ description: 'Newest first; empty past the last page' }),
    page: z.int().min(1).max(MAX_PAGE),
    pageSize: z.int().min(1).meta({ description: 'Entries per page (the JOURNAL_ENTRIES setting)' }),
    total: z.int().min(0).meta({ description: 'Entries the caller may read (matches, for a search)' }),
  })
  .meta({ id: 'EntryPage' }) satisfies z.ZodType<EntryPage>;

export const importSummarySchema = z
  .strictObject({
    imported: z.int().min(0).meta({ description: 'Entries stored (and confirmed by enough replicas)' }),
    skipped: z.int().min(0).meta({ description: 'Entries whose id the journal holds already: left as they are, never overwritten' }),
    failed: z
      .array(
        z.strictObject({
          line: z.int().min(1).meta({
            description: "NDJSON: the line number (from 1). Day One: the entry's number in `entries` (from 1)",
          }),
          reason: z.string().meta({ description: 'What is wrong with it', example: 'text must not be blank' }),
        }),
      )
      .max(MAX_LISTED_FAILURES)
      .meta({ description: `Bad records, not stored, in file order: the first ${MAX_LISTED_FAILURES}` }),
    failedTotal: z.int().min(0).meta({ description: 'How many records were bad, listed or not' }),
  })
  .meta({ id: 'ImportSummary', description: 'What an import did' }) satisfies z.ZodType<ImportSummary>;

/** An import that stopped before the end of its body (over the limit, not read whole in time, or a Day One file not valid JSON from some point on). */
export const importStoppedSchema = problemSchema
  .extend({
    ...importSummarySchema.shape,
    lastLine: z.int().min(0).meta({
      description:
        'The last line (NDJSON) or entry (Day One) read, 0 if none: the records up to it were imported as usual, the next import can start after it',
    }),
  })
  .meta({
    id: 'ImportStopped',
    description: 'A problem (RFC 9457) with what the import did before it stopped',
  });
