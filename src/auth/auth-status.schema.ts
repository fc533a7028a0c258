import { z } from 'zod';
import { AUTHOR_NAME } from '../config/env.schema.js';
import type { AuthStatus } from './auth-status.contract.js';

/** GET /api/auth/me's answer, for the OpenAPI document (strict: the OpenAPI test catches an undocumented field). */
export const authStatusSchema = z
  .discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('off').meta({ description: 'Anyone may write and delete' }) }),
    z.strictObject({
      mode: z.literal('token').meta({ description: 'Writes need a token' }),
      read: z.enum(['public', 'signed-in']).meta({ description: 'READ_ACCESS: `signed-in` when reading entries needs a token too' }),
      name: z.string().regex(AUTHOR_NAME).optional().meta({ description: "The token's name (only with a valid token)", example: 'alice' }),
      admin: z.boolean().optional().meta({ description: 'Whether it may delete every entry (AUTH_ADMINS)' }),
    }),
  ])
  .meta({ id: 'AuthStatus', description: 'Whether writes need a token, and whose the given token is' }) satisfies z.ZodType<AuthStatus>;
