import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { validatedEnv } from './env.schema.js';
import { journalConfig } from './journal.config.js';
import { loggingConfig } from './logging.config.js';
import { redisConfig } from './redis.config.js';
import { securityConfig } from './security.config.js';
import { serverConfig } from './server.config.js';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true, // twelve-factor: the Deployment's env is the only source
      // The settings come from the validated environment, through the namespaces; nothing reads ConfigService's raw keys.
      validate: () => validatedEnv(),
      load: [serverConfig, loggingConfig, securityConfig, journalConfig, redisConfig],
    }),
  ],
})
export class AppConfigModule {}
