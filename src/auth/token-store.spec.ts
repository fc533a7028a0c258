import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import type { AuthConfig } from './auth.config.js';
import { TokenStore } from './token-store.js';

const dir = mkdtempSync(join(tmpdir(), 'journal-token-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const token = (i: number) => `token-${i}-${'x'.repeat(30)}`;
const digest = (value: string) => crypto.createHash('sha256').update(value).digest('hex');

/** A TokenStore over a file of `count` tokens, token(0)..token(count-1), the first two alice's. */
function storeOf(count: number): TokenStore {
  const file = join(dir, `tokens-${count}`);
  const lines = Array.from({ length: count }, (_, i) => `${i < 2 ? 'alice' : `writer${i}`} sha256:${digest(token(i))}`);
  writeFileSync(file, `# test\n${lines.join('\n')}\n`);
  const config = { mode: 'token', modeSet: true, tokensFile: file, admins: new Set(), failuresPerMinute: 20 } as unknown as AuthConfig;
  const store = new TokenStore(config);
  stores.push(store);
  return store;
}
const stores: TokenStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.onModuleDestroy();
  jest.restoreAllMocks();
});

describe('TokenStore.verify', () => {
  it("names the author of a known token (any of a name's tokens), nobody for an unknown one", () => {
    const store = storeOf(5);
    expect([store.verify(token(0)), store.verify(token(1)), store.verify(token(4)), store.verify('unknown')]).toEqual([
      'alice',
      'alice',
      'writer4',
      undefined,
    ]);
  });

  // Constant time, checked structurally rather than by a stopwatch (which would be flaky): one
  // timingSafeEqual per stored digest, all of the same length, whether the match is first, last or absent.
  it.each([
    ['the first digest', 0],
    ['the last digest', 6],
    ['no digest', undefined],
  ])('compares with every stored digest when the token matches %s', (_, index) => {
    const store = storeOf(7);
    const compare = jest.spyOn(crypto, 'timingSafeEqual');
    store.verify(index === undefined ? 'unknown' : token(index));
    expect(compare).toHaveBeenCalledTimes(7);
    const compared = compare.mock.calls.map(([, stored]) => Buffer.from(stored as Uint8Array).toString('hex'));
    expect(compared).toEqual(Array.from({ length: 7 }, (_, i) => digest(token(i))));
    for (const [presented, stored] of compare.mock.calls) expect([presented.byteLength, stored.byteLength]).toEqual([32, 32]);
  });
});
