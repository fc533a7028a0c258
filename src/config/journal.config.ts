import { registerAs } from '@nestjs/config';

/** Settings of the journal itself; validated by env.schema.ts before this runs. */
export const journalConfig = registerAs('journal', () => ({
  port: Number(process.env.PORT),
  pageSize: Number(process.env.JOURNAL_ENTRIES),
}));

export type JournalConfig = ReturnType<typeof journalConfig>;
