import { registerAs } from '@nestjs/config';
import { validatedEnv } from './env.schema.js';

/** Settings of the journal itself. */
export const journalConfig = registerAs('journal', () => ({
  pageSize: Number(validatedEnv().JOURNAL_ENTRIES),
}));

export type JournalConfig = ReturnType<typeof journalConfig>;
