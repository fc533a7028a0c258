import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ConfigError } from '../config/config-error.js';
import { authConfig, type AuthConfig } from './auth.config.js';
import { parseTokensFile, TokensFileError, type StoredToken } from './tokens-file.js';

/**
 * How often the tokens file is read again. Kubernetes updates a mounted Secret by swapping a
 * symlinked folder, which watching the file would miss; reading a small file every 2 s costs
 * nothing, and an edit takes effect well within 10 s of reaching the pod.
 */
export const RELOAD_INTERVAL_MS = 2000;

/**
 * The digests of the tokens that may write (AUTH_MODE=token), from AUTH_TOKENS_FILE. Only
 * digests are held, never tokens. At start a missing or malformed file stops the API; later, a
 * broken edit is logged and the last good list stays in force.
 */
@Injectable()
export class TokenStore implements OnModuleDestroy {
  private readonly logger = new Logger('Auth');
  private tokens: StoredToken[] = [];
  private text = '';
  private lastProblem = '';
  private readonly timer?: NodeJS.Timeout;

  constructor(@Inject(authConfig.KEY) private readonly config: AuthConfig) {
    if (config.mode !== 'token') return;
    const problem = this.reload();
    if (problem) throw new ConfigError(`AUTH_TOKENS_FILE: ${problem}`);
    if (this.tokens.length === 0) this.logger.warn(`${config.tokensFile} lists no token: nobody can write`);
    this.timer = setInterval(() => this.poll(), RELOAD_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /**
   * The name whose token this is, or undefined. The presented token's digest is compared with
   * every stored digest, in constant time and without stopping at a match, so the time taken says
   * nothing about which digest (if any) matched or how much of one did.
   */
  verify(token: string): string | undefined {
    const presented = crypto.createHash('sha256').update(token, 'utf8').digest();
    let name: string | undefined;
    for (const stored of this.tokens) {
      if (crypto.timingSafeEqual(presented, stored.digest)) name = stored.name;
    }
    return name;
  }

  /** Reads the file if its content changed; returns what is wrong with it, if anything. */
  private reload(): string | undefined {
    const file = this.config.tokensFile;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      return `${file} ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read'}`;
    }
    if (text === this.text) return undefined;
    try {
      this.tokens = parseTokensFile(text);
    } catch (error) {
      if (error instanceof TokensFileError) return `${file} ${error.message}`;
      throw error;
    }
    this.text = text;
    return undefined;
  }

  private poll(): void {
    const before = this.text;
    const problem = this.reload();
    if (problem) {
      // Once per distinct problem, not every 2 s.
      if (problem !== this.lastProblem) this.logger.error(`${problem}: keeping the last good list of tokens`);
      this.lastProblem = problem;
      return;
    }
    this.lastProblem = '';
    if (this.text !== before) {
      const names = new Set(this.tokens.map((t) => t.name)).size;
      this.logger.log(`${this.config.tokensFile} reloaded: ${this.tokens.length} tokens of ${names} writers`);
    }
  }
}
