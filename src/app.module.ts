import { Module } from '@nestjs/common';
import { AppConfigModule } from './config/config.module.js';
import { CoreModule } from './core/core.module.js';
import { HealthModule } from './health/health.module.js';
import { JournalModule } from './journal/journal.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { RedisModule } from './redis/redis.module.js';

@Module({
  // CoreModule: the error filter, the validation pipe and the Fastify hooks every request goes through.
  imports: [AppConfigModule, CoreModule, RedisModule.forRoot(), MetricsModule, RateLimitModule, JournalModule, HealthModule],
})
export class AppModule {}
