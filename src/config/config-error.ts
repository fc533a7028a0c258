/** A setting that stops the process: main.ts prints its message as one line and exits 1. */
export class ConfigError extends Error {
  constructor(setting: string, problem: string) {
    super(`${setting}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** @nestjs/config reports schema issues as "Config validation error: NAME: problem", one per line. */
export function startupErrorLine(error: unknown): string | undefined {
  if (error instanceof ConfigError) return `Invalid configuration: ${error.message}`;
  const message = error instanceof Error ? error.message : '';
  const prefix = 'Config validation error: ';
  if (message.startsWith(prefix)) return `Invalid configuration: ${message.slice(prefix.length).split('\n').join('; ')}`;
  return undefined;
}
