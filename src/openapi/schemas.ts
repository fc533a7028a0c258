import { z } from 'zod';
import type { AuthStatus } from '../auth/auth-status.contract.js';
import { WRITER_NAME } from '../config/env.schema.js';
import type { Entry, EntryPage } from '../journal/entry.contract.js';
import { MAX_PAGE, newEntrySchema } from '../journal/entry.js';
import { problemSchema } from '../problem/problem.js';

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

export const authStatusSchema = z
  .discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('off').meta({ description: 'Anyone may write and delete' }) }),
    z.strictObject({
      mode: z.literal('token').meta({ description: 'Writes need a token' }),
      name: z.string().regex(WRITER_NAME).optional().meta({ description: "The token's name (only with a valid token)", example: 'alice' }),
      admin: z.boolean().optional().meta({ description: 'Whether it may delete every entry (AUTH_ADMINS)' }),
    }),
  ])
  .meta({ id: 'AuthStatus', description: 'Whether writes need a token, and whose the given token is' }) satisfies z.ZodType<AuthStatus>;

/** Terminus' indicator results by name: `writer`/`reader` in the report, `redis` in readiness. */
const indicators = z.record(z.string(), z.looseObject({ status: z.enum(['up', 'down']) }));

export const healthReportSchema = z
  .strictObject({ status: z.literal('ok'), info: indicators, error: indicators, details: indicators })
  .meta({ id: 'HealthReport', description: 'Checks that passed (`info`), failed (`error`) and all of them (`details`)' });

export const healthProblemSchema = problemSchema
  .extend({ checks: indicators.optional().meta({ description: 'Each check and its status, when checks ran' }) })
  .meta({ id: 'HealthProblem', description: 'A Problem for a failed health check' });
