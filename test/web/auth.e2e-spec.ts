// Signing in to write, in a real browser (Debian's Chromium) against the local stack (real NGINX,
// the API with AUTH_MODE=token, a real Redis pair): reading needs nothing, writing needs a token.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { TOKEN_STORAGE_KEY } from '../../src/auth/auth-status.contract.js';
import { bearer, newToken, tokenAuth, tokensFile, type SecretVolume } from '../support/auth.js';
import { launchChromium } from '../support/browser.js';
import { call } from '../support/http.js';
import { waitFor } from '../support/ports.js';
import { startWebStack, type WebStack } from './stack.js';

const T = 30_000;
const alice = newToken();
const bob = newToken();
const carol = newToken(); // an admin

describe('signing in to write, in Chromium', () => {
  let stack: WebStack;
  let volume: SecretVolume;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageProblems: string[];

  beforeAll(async () => {
    const auth = tokenAuth(
      [
        ['alice', alice],
        ['bob', bob],
        ['carol', carol],
      ],
      { AUTH_ADMINS: 'carol' },
    );
    volume = auth.volume;
    stack = await startWebStack(auth.env);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    volume?.remove();
  });

  beforeEach(async () => {
    for (let res = await call(stack.url, 'GET', '/api/entries'); res.body.total > 0; res = await call(stack.url, 'GET', '/api/entries')) {
      for (const entry of res.body.entries)
        expect((await call(stack.url, 'DELETE', `/api/entries/${entry.id}`, undefined, bearer(carol))).status).toBe(204);
    }
    for (const key of (await stack.redis.primary.command('KEYS', 'journal:rate:*')) as string[])
      await stack.redis.primary.command('DEL', key);
  });

  afterEach(async () => {
    expect(pageProblems).toEqual([]);
    await context?.close();
  });

  async function open(path = '/'): Promise<Page> {
    context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    page = await context.newPage();
    pageProblems = [];
    page.on('pageerror', (error) => pageProblems.push(`uncaught: ${error.message}`));
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/.test(msg.text())) pageProblems.push(`CSP: ${msg.text()}`);
    });
    await page.goto(`${stack.url}${path}`);
    return page;
  }

  const write = async (token: string, text: string) => {
    const reply = await call(stack.url, 'POST', '/api/entries', { text }, bearer(token));
    expect(reply.status).toBe(201);
    return reply.body as { id: string };
  };
  const shownTexts = () => page.locator('#entries li .text').allTextContents();
  const waitForList = (expected: string[]) =>
    waitFor(`the list to show ${JSON.stringify(expected)}`, async () =>
      JSON.stringify(await shownTexts()) === JSON.stringify(expected) ? true : undefined,
    );
  /** The texts of the entries that have a Delete button. */
  const deletable = () => page.locator('#entries li:has(button.delete) .text').allTextContents();
  const storedToken = () => page.evaluate((key) => sessionStorage.getItem(key), TOKEN_STORAGE_KEY);

  async function signIn(token: string, name: string): Promise<void> {
    await page.click('#sign-in');
    await page.fill('#token-input', token);
    await page.click('#sign-in-ok');
    await page.locator('#writing-as', { hasText: `Writing as ${name}` }).waitFor();
  }

  it(
    'lets a visitor read, with no editor and no Delete button, only "Sign in"',
    async () => {
      await write(bob, 'written by bob');
      await open();
      await waitForList(['written by bob']);
      await page.locator('#sign-in').waitFor();
      expect(await page.isVisible('#read-only')).toBe(true);
      expect(await page.isHidden('#new-section')).toBe(true);
      expect(await page.isHidden('#sign-out')).toBe(true);
      expect(await page.locator('button.delete').count()).toBe(0);
      expect(await page.locator('#entries .author').allTextContents()).toEqual([' · bob']);
    },
    T,
  );

  it(
    "signs in, writes, deletes its own entry, cannot delete another writer's, signs out",
    async () => {
      await write(bob, 'by bob');
      await open();
      await waitForList(['by bob']);
      await signIn(alice, 'alice');
      expect(await storedToken()).toBe(alice);
      expect(await context.cookies()).toEqual([]);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
      expect(await page.isHidden('#sign-in')).toBe(true);
      expect(await deletable()).toEqual([]);

      await page.fill('#entry-text', 'by alice');
      await page.click('#save');
      await waitForList(['by alice', 'by bob']);
      const [newest] = (await call(stack.url, 'GET', '/api/entries')).body.entries;
      expect(newest).toMatchObject({ text: 'by alice', author: 'alice' });
      expect(await deletable()).toEqual(['by alice']);

      await page.click('#entries li:has-text("by alice") button.delete');
      await page.click('#confirm-ok');
      await waitForList(['by bob']);

      await page.click('#sign-out');
      await page.locator('#sign-in').waitFor();
      expect(await storedToken()).toBeNull();
      expect(await page.isHidden('#new-section')).toBe(true);
      expect(await page.isHidden('#writing-as')).toBe(true);
    },
    T,
  );

  it(
    'shows every Delete button to an admin',
    async () => {
      await write(bob, 'by bob');
      await write(alice, 'by alice');
      await open();
      await signIn(carol, 'carol');
      await waitFor('Delete buttons', async () => ((await deletable()).length === 2 ? true : undefined));
    },
    T,
  );

  it(
    'says why when the API refuses a delete (403)',
    async () => {
      await write(bob, 'by bob');
      await open();
      await signIn(alice, 'alice');
      // Make the page believe bob's entry is alice's, so it offers a Delete the API refuses.
      await page.route('**/api/entries?page=*', async (route) => {
        const response = await route.fetch();
        const body = await response.json();
        for (const entry of body.entries) entry.author = 'alice';
        await route.fulfill({ response, json: body });
      });
      await page.reload();
      await page.locator('button.delete').waitFor();
      await page.click('button.delete');
      await page.click('#confirm-ok');
      await page.locator('#list-error-text', { hasText: 'You may not delete this entry: only its author (bob) or an admin may' }).waitFor();
      expect((await call(stack.url, 'GET', '/api/entries')).body.total).toBe(1);
    },
    T,
  );

  it(
    'refuses a wrong token in the sign-in dialog',
    async () => {
      await open();
      await page.click('#sign-in');
      await page.fill('#token-input', newToken());
      await page.click('#sign-in-ok');
      await page.locator('#sign-in-error', { hasText: 'This token is not valid' }).waitFor();
      expect(await storedToken()).toBeNull();
      await page.click('#sign-in-cancel');
      expect(await page.isHidden('#new-section')).toBe(true);
    },
    T,
  );

  it(
    'asks for a token again when the signed-in one is revoked',
    async () => {
      await open();
      await signIn(bob, 'bob');
      volume.update({
        tokens: tokensFile([
          ['alice', alice],
          ['carol', carol],
        ]),
      }); // bob's token revoked
      await stack.api.waitForOutput('reloaded: 2 tokens of 2 writers');
      await page.fill('#entry-text', 'after revocation');
      await page.click('#save');
      await page.locator('#sign-in-reason', { hasText: 'no longer accepted' }).waitFor();
      expect(await page.isVisible('#sign-in-dialog')).toBe(true);
      expect(await storedToken()).toBeNull();
      expect((await call(stack.url, 'GET', '/api/entries')).body.total).toBe(0);
      // Signing in again with a valid token: the text typed before is still there to save.
      await page.fill('#token-input', alice);
      await page.click('#sign-in-ok');
      await page.locator('#writing-as', { hasText: 'Writing as alice' }).waitFor();
      await page.click('#save');
      await waitForList(['after revocation']);
      volume.update({
        tokens: tokensFile([
          ['alice', alice],
          ['bob', bob],
          ['carol', carol],
        ]),
      });
      await stack.api.waitForOutput('reloaded: 3 tokens of 3 writers');
    },
    T,
  );

  it(
    'signs in from a link with the token in its fragment, which leaves the address bar at once and never reaches a server',
    async () => {
      await open(`/?page=1#token=${alice}`);
      await page.locator('#writing-as', { hasText: 'Writing as alice' }).waitFor();
      expect(page.url()).toBe(`${stack.url}/?page=1`);
      expect(await page.evaluate(() => location.hash)).toBe('');
      expect(await storedToken()).toBe(alice);
      // Back leaves the page: the address with the token is not in the history.
      expect(await page.evaluate(() => history.length)).toBe(2); // about:blank, then this page
      const accessLog = readFileSync(join(stack.nginx.dir, 'access.log'), 'utf8');
      expect(accessLog).toContain('GET /?page=1 ');
      expect(accessLog).not.toContain(alice);
      expect(stack.api.output).not.toContain(alice);
    },
    T,
  );
});
