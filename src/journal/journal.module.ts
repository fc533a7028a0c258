import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { JournalController } from './journal.controller.js';
import { JournalService } from './journal.service.js';
import { JOURNAL_SCRIPTS, JournalStore } from './journal.store.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { RedisModule } from '../redis/redis.module.js';
import { EntryIndex } from './entry-index.js';
import { LegacyEntries } from './legacy-entries.js';
import { LegacyWordIndex } from './legacy-word-index.js';
import { SearchIndexer } from './search-indexer.js';

@Module({
  imports: [AuthModule, MetricsModule, RedisModule.forFeature(JOURNAL_SCRIPTS)],
  controllers: [JournalController],
  providers: [JournalService, JournalStore, LegacyEntries, LegacyWordIndex, EntryIndex, SearchIndexer],
})
export class JournalModule {}
