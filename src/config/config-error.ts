/** A bad setting that stops the process: main.ts prints "Invalid configuration: NAME: problem" as one line and exits 1. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function startupErrorLine(error: unknown): string | undefined {
  return error instanceof ConfigError ? `Invalid configuration: ${error.message}` : undefined;
}
