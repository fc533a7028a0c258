import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { MetricsModule } from '../metrics/metrics.module.js';
import { authConfig, type AuthConfig } from './auth.config.js';
import { AuthController } from './auth.controller.js';
import { Authenticator } from './authenticator.js';
import { TokenStore } from './token-store.js';

/** Who may write: AUTH_MODE, the tokens file, AUTH_ADMINS (docs/auth.md). */
@Module({
  imports: [ConfigModule.forFeature(authConfig), MetricsModule],
  controllers: [AuthController],
  providers: [TokenStore, Authenticator],
  exports: [Authenticator],
})
export class AuthModule implements OnModuleInit {
  constructor(@Inject(authConfig.KEY) private readonly config: AuthConfig) {}

  onModuleInit(): void {
    if (!this.config.modeSet) {
      new Logger('Auth').warn(
        'AUTH_MODE is not set: anyone may write and delete entries; set AUTH_MODE=token (or AUTH_MODE=off to say so)',
      );
    }
  }
}
