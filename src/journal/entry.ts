import { z } from 'zod';
import { WRITER_NAME } from '../config/env.schema.js';
import { countCodePoints, MAX_TEXT_CODE_POINTS, type Entry, type EntryPage } from './entry.contract.js';

export const MAX_PAGE = 1_000_000_000;

/** Strict: an `id`, `createdAt` or any other field a client sends is rejected, never stored. */
export const newEntrySchema = z
  .strictObject(
    {
      text: z
        .string({ error: (issue) => (issue.input === undefined ? 'text is required' : 'text must be a string') })
        .refine((text) => text.trim() !== '', { error: 'text must not be blank' })
        .refine((text) => text.isWellFormed(), { error: 'text must be valid Unicode (it has a lone surrogate)' })
        .refine((text) => countCodePoints(text) <= MAX_TEXT_CODE_POINTS, {
          error: (issue) => `text must be at most ${MAX_TEXT_CODE_POINTS} characters, got ${countCodePoints(String(issue.input))}`,
        })
        // For the OpenAPI document: JSON Schema counts length in code points too, and \S is what trim() keeps.
        .meta({
          description: `Not blank, at most ${MAX_TEXT_CODE_POINTS} characters (code points: an emoji is one), valid Unicode`,
          maxLength: MAX_TEXT_CODE_POINTS,
          pattern: '\\S',
          example: 'Dear diary',
        }),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}: only "text" is accepted`
          : 'the body must be a JSON object like {"text": "..."}',
    },
  )
  .meta({ id: 'NewEntry', description: 'A new entry: only `text`; any other field is a 400' });

export type NewEntry = z.infer<typeof newEntrySchema>;

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

// What the API answers, for the OpenAPI document. `satisfies` ties each schema to the type the code
// returns; objects are strict, so the OpenAPI test fails if a response gains a field the document lacks.

export const entrySchema = z
  .strictObject({
    id: z.string().meta({ description: 'Opaque: use it as given', example: '42' }),
    text: newEntrySchema.shape.text,
    createdAt: z.iso.datetime().meta({ description: 'When it was created, ISO 8601 in UTC', example: '2026-11-25T09:30:00.000Z' }),
    author: z
      .string()
      .regex(WRITER_NAME)
      .optional()
      .meta({ description: 'The name of the token that wrote it (entries written with AUTH_MODE=token)', example: 'alice' }),
  })
  .meta({ id: 'Entry' }) satisfies z.ZodType<Entry>;

export const entryPageSchema = z
  .strictObject({
    entries: z.array(entrySchema).meta({ description: 'Newest first; empty past the last page' }),
    page: z.int().min(1).max(MAX_PAGE),
    pageSize: z.int().min(1).meta({ description: 'Entries per page (the JOURNAL_ENTRIES setting)' }),
    total: z.int().min(0).meta({ description: 'Entries in the journal' }),
  })
  .meta({ id: 'EntryPage' }) satisfies z.ZodType<EntryPage>;

/** Ids are opaque to clients; inside they are the entry's sorted-set score, a safe integer. */
export function parseId(id: string): number | undefined {
  if (!/^[1-9]\d{0,15}$/.test(id)) return undefined;
  const value = Number(id);
  return Number.isSafeInteger(value) ? value : undefined;
}
