// bin/up, the one command for a local journal, run for real (in a scratch copy of the repository,
// so its .run/ and builds stay out of the working tree) under the lock every bin/up run here takes
// (its ports are fixed). Its printed link must sign the browser in: writes need a token under it too.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { repoRoot } from '../support/api.js';
import { launchChromium } from '../support/browser.js';
import { call } from '../support/http.js';
import { waitFor } from '../support/ports.js';

const LOCK = '/tmp/journal-binup.lock';

describe('bin/up', () => {
  let copy: string;
  let up: ChildProcess;
  let output = '';
  let browser: Browser;

  beforeAll(async () => {
    copy = mkdtempSync(join(tmpdir(), 'journal-binup-'));
    chmodSync(copy, 0o755); // NGINX's workers (another user when the tests run as root) read web/dist in it
    const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' }).stdout;
    for (const file of files.split('\0').filter(Boolean)) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      copyFileSync(join(repoRoot, file), join(copy, file));
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
    // Its own process group, so that Ctrl-C (SIGINT) reaches bin/up as in a terminal.
    up = spawn('flock', [LOCK, 'bin/up'], { cwd: copy, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    up.stdout!.on('data', (d) => (output += d));
    up.stderr!.on('data', (d) => (output += d));
    // It waits for the lock, then builds; it must not have stopped meanwhile.
    const exited = new Promise<never>((_, reject) => up.once('exit', (code) => reject(new Error(`bin/up exited with ${code}: ${output}`))));
    await Promise.race([exited, waitFor('bin/up to print its sign-in link', async () => (/#token=/.test(output) ? true : undefined), 240_000)]);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (up?.pid) {
      // Ctrl-C: bin/up stops NGINX, the API and Redis. Its folder goes only once all of them are gone
      // (Redis refuses to exit while it cannot write its data folder).
      const groupAlive = () => {
        try {
          process.kill(-up.pid!, 0);
          return true;
        } catch {
          return false;
        }
      };
      if (groupAlive()) process.kill(-up.pid, 'SIGINT');
      await waitFor('bin/up and everything it started to stop', async () => (groupAlive() ? undefined : true), 30_000);
    }
    if (copy) rmSync(copy, { recursive: true, force: true });
  }, 60_000);

  it('prints a link that signs the browser in, and the token leaves the address bar', async () => {
    const [, writer, link] = /to write as (\S+), open: (http:\/\/localhost:8000\/#token=([A-Za-z0-9_-]{43}))/.exec(output) ?? [];
    expect(link).toBeDefined();
    const token = link!.split('#token=')[1]!;
    // Its digest is what the API reads; the token itself is only in .run/auth-token.
    expect(readFileSync(join(copy, '.run/auth-tokens'), 'utf8')).toMatch(new RegExp(`^${writer} sha256:[0-9a-f]{64}\\n$`));

    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/.test(msg.text())) problems.push(msg.text());
    });
    await page.goto(link!);
    await page.locator('#writing-as', { hasText: `Writing as ${writer}` }).waitFor();
    expect(page.url()).toBe('http://localhost:8000/');
    expect(await page.evaluate(() => sessionStorage.getItem('journal-token'))).toBe(token);

    await page.fill('#entry-text', 'written through bin/up');
    await page.click('#save');
    await page.locator('#entries li .text', { hasText: 'written through bin/up' }).waitFor();
    const entry = (await call('http://localhost:8000', 'GET', '/api/entries')).body.entries[0];
    expect(entry).toMatchObject({ text: 'written through bin/up', author: writer });
    // Without the token, a write is refused: the local API runs with AUTH_MODE=token.
    expect((await call('http://localhost:8000', 'POST', '/api/entries', { text: 'anonymous' })).status).toBe(401);
    expect(output).not.toMatch(/AUTH_MODE is not set/);
    expect(problems).toEqual([]);
  }, 60_000);
});
