import { Module } from '@nestjs/common';
import { AppConfigModule } from './config/config.module.js';
import { HealthModule } from './health/health.module.js';
import { JournalModule } from './journal/journal.module.js';
import { JOURNAL_SCRIPTS } from './journal/journal.store.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { RATE_LIMIT_SCRIPTS } from './rate-limit/redis-throttler.storage.js';
import { RedisModule } from './redis/redis.module.js';
import { SecurityModule } from './security/security.module.js';

@Module({
  // Fastify hooks (security headers, request ids, metrics, closing connections on shutdown) are added by their modules, in onModuleInit.
  imports: [
    AppConfigModule,
    LoggingModule,
    SecurityModule,
    RedisModule.forRoot({ ...JOURNAL_SCRIPTS, ...RATE_LIMIT_SCRIPTS }),
    MetricsModule,
    RateLimitModule,
    JournalModule,
    HealthModule,
  ],
})
export class AppModule {}
