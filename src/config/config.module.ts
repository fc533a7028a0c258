import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { validateEnv } from './env.schema.js';
import { journalConfig } from './journal.config.js';
import { redisConfig } from './redis.config.js';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true, // twelve-factor: the Deployment's env is the only source
      validate: validateEnv,
      load: [journalConfig, redisConfig],
    }),
  ],
})
export class AppConfigModule {}
