import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new token as kustomize/make-token.sh makes one: 256 random bits, base64url. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** The tokens file's line for a token: only its digest. */
export const tokenLine = (name: string, token: string): string => `${name} sha256:${createHash('sha256').update(token).digest('hex')}`;

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/**
 * A Secret volume the way the kubelet writes one (no subPath): the files live in a timestamped
 * folder, `..data` is a symlink to it, each key is a symlink through `..data`; an update writes a
 * new folder and swaps `..data` atomically, so the file's own inode never changes.
 */
export class SecretVolume {
  readonly dir = mkdtempSync(join(tmpdir(), 'journal-auth-'));
  private version = 0;

  constructor(files: Record<string, string>) {
    this.update(files);
    for (const key of Object.keys(files)) symlinkSync(join('..data', key), join(this.dir, key));
  }

  path(key: string): string {
    return join(this.dir, key);
  }

  update(files: Record<string, string>): void {
    const folder = `..${Date.now()}_${++this.version}`;
    mkdirSync(join(this.dir, folder), { mode: 0o755 });
    for (const [key, text] of Object.entries(files)) writeFileSync(join(this.dir, folder, key), text, { mode: 0o444 });
    symlinkSync(folder, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The env for AUTH_MODE=token with a tokens file of these `[name, token]` pairs; returns its volume too. */
export function tokenAuth(
  tokens: [name: string, token: string][],
  env: Record<string, string> = {},
): { env: Record<string, string>; volume: SecretVolume } {
  const volume = new SecretVolume({ tokens: tokensFile(tokens) });
  return { env: { AUTH_MODE: 'token', AUTH_TOKENS_FILE: volume.path('tokens'), ...env }, volume };
}

export const tokensFile = (tokens: [name: string, token: string][]): string =>
  `# name sha256:digest\n${tokens.map(([name, token]) => tokenLine(name, token)).join('\n')}\n`;
