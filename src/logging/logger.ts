import type { LoggerService } from '@nestjs/common';
import { pino, type Level, type Logger } from 'pino';
import type { LoggingConfig } from '../config/logging.config.js';

/**
 * One pino logger for everything: Fastify's request logs and Nest's own (through NestLogger).
 * JSON lines by default; LOG_FORMAT=pretty for people reading a terminal.
 */
export async function createLogger(config: LoggingConfig): Promise<Logger> {
  const options: pino.LoggerOptions = {
    level: config.level,
    base: undefined, // no pid/hostname: the log collector knows the pod
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Nothing logs these today; the redaction makes sure nothing ever will by accident. Named paths,
    // not '*.text': a wildcard makes pino visit every key of every line.
    redact: {
      paths: [
        'password',
        'options.password',
        'text',
        'entry.text',
        'body.text',
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
      ],
      censor: '[redacted]',
    },
  };
  // Lines are buffered and written together (at 8 KiB, or every 250 ms when traffic is light): one
  // write(2) per 8 KiB of lines on a busy pod. pino flushes at exit.
  if (config.format === 'json') return pino(options, pino.destination({ sync: false, minLength: 8192, periodicFlush: 250 }));
  const { default: pretty } = await import('pino-pretty');
  return pino(options, pretty({ sync: true, colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l' }));
}

const NEST_LEVELS: Record<'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal', Level> = {
  log: 'info',
  error: 'error',
  warn: 'warn',
  debug: 'debug',
  verbose: 'trace',
  fatal: 'fatal',
};

/** Nest's LoggerService on top of pino: `new Logger('Redis writer').warn(...)` becomes {"context":"Redis writer",...}. */
export class NestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the context last, and for errors a stack before it. */
  private write(method: keyof typeof NEST_LEVELS, message: unknown, params: unknown[]): void {
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    const stack = params.length === 2 && typeof params[0] === 'string' ? params[0] : undefined;
    const text = message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
    this.logger[NEST_LEVELS[method]]({ context, stack }, text);
  }
}
