// The journal page in a real browser (Debian's Chromium driven by playwright-core) against the
// local stack: real NGINX, the real API, a real Redis pair. Pages of 3 entries to make paging short.
import { describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { UNAVAILABLE } from '../../web/src/format.js';
import { repoRoot } from '../support/api.js';
import { call } from '../support/http.js';
import { waitFor } from '../support/ports.js';
import { useWebSession } from './stack.js';

const SCREENSHOTS = join(repoRoot, 'test-output/screenshots');
const T = 30_000;

describe('journal page in Chromium', () => {
  // Each test starts from an empty journal; no page may meet an uncaught error or a CSP refusal.
  const web = useWebSession({ JOURNAL_ENTRIES: '3' });
  let page: Page;
  const openPage = async (options: BrowserContextOptions = {}) => (page = await web.open('/', options));

  /** Adds entries through the API (oldest first), returning them. */
  async function addEntries(...texts: string[]) {
    const entries = [];
    for (const text of texts) {
      const reply = await call(web.stack.url, 'POST', '/api/entries', { text });
      expect(reply.status).toBe(201);
      entries.push(reply.body as { id: string; text: string; createdAt: string });
    }
    return entries;
  }

  const shownTexts = () => page.locator('#entries li .text').allTextContents();
  const text = (selector: string) => page.locator(selector).textContent();
  const focused = () =>
    page.evaluate(
      () => document.activeElement?.id || document.activeElement?.getAttribute('aria-label') || document.activeElement?.tagName,
    );

  /** Focus moves after a load finishes: wait for it rather than race it. */
  async function waitForFocus(expected: string | RegExp): Promise<void> {
    await waitFor(`focus on ${expected}`, async () => {
      const now = String(await focused());
      return (typeof expected === 'string' ? now === expected : expected.test(now)) ? true : undefined;
    });
  }

  /** Waits until the list shows exactly `expected` (newest first). */
  async function waitForList(expected: string[]): Promise<void> {
    await waitFor(`the list to show ${JSON.stringify(expected)}`, async () => {
      const shown = await shownTexts();
      return JSON.stringify(shown) === JSON.stringify(expected) ? true : undefined;
    });
  }

  it(
    'adds entries, newest first, counting characters like the API',
    async () => {
      await openPage();
      await page.locator('#empty', { hasText: 'No entries yet' }).waitFor();

      await page.fill('#entry-text', '😀 first\nsecond line');
      expect(await text('#entry-counter')).toBe('19 / 10,000');
      await page.click('#save');
      await page.locator('#status', { hasText: 'Entry saved.' }).waitFor();
      await waitForList(['😀 first\nsecond line']);
      expect(await page.inputValue('#entry-text')).toBe('');
      expect(await text('#entry-counter')).toBe('0 / 10,000');
      expect(await page.isHidden('#empty')).toBe(true);

      // Ctrl+Enter submits too.
      await page.fill('#entry-text', 'second');
      await page.press('#entry-text', 'Control+Enter');
      await waitForList(['second', '😀 first\nsecond line']);
      expect((await call(web.stack.url, 'GET', '/api/entries')).body.total).toBe(2);
    },
    T,
  );

  it(
    'refuses an over-long entry and shows the API problem detail for a rejected one',
    async () => {
      await openPage();
      await page.fill('#entry-text', '😀'.repeat(10_001));
      expect(await text('#entry-counter')).toBe('10,001 / 10,000: 1 over the limit');
      expect(await page.getAttribute('#entry-text', 'aria-invalid')).toBe('true');
      await page.click('#save');
      expect(await text('#form-error')).toBe('An entry can have at most 10,000 characters; this one has 10,001.');

      // A lone surrogate passes the page's checks; the API's 400 detail is what the reader sees.
      await page.evaluate(() => {
        const textarea = document.querySelector<HTMLTextAreaElement>('#entry-text')!;
        textarea.value = 'broken \uD800 text';
      });
      await page.click('#save');
      await page.locator('#form-error', { hasText: 'text must be valid Unicode' }).waitFor();
      expect(await focused()).toBe('entry-text');
      expect((await call(web.stack.url, 'GET', '/api/entries')).body.total).toBe(0);
    },
    T,
  );

  it(
    'shows an entry with HTML in it as text, never as markup (Markdown with raw HTML off)',
    async () => {
      const evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b>bold?</b>';
      await openPage();
      await page.fill('#entry-text', evil);
      await page.click('#save');
      await waitForList([evil]);
      const item = page.locator('#entries li .text').first();
      // One paragraph of text, as Markdown makes it, with no element in it.
      expect(await item.evaluate((el) => [...el.querySelectorAll('*')].map((child) => child.tagName))).toEqual(['P']);
      expect(await page.locator('#entries img, #entries script, #entries b').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    },
    T,
  );

  it(
    'pages through the entries, newest first, with next, previous and the total',
    async () => {
      await addEntries('e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7');
      await openPage();
      await waitForList(['e7', 'e6', 'e5']);
      expect(await text('#page-info')).toBe('Page 1 of 3 · 7 entries');
      expect(await page.isDisabled('#newer')).toBe(true);

      // A slow answer shows the loading state.
      await page.route('**/api/entries?page=2', async (route) => {
        await new Promise((r) => setTimeout(r, 700));
        await route.continue();
      });
      await page.click('#older');
      await page.locator('#loading').waitFor({ state: 'visible' });
      await waitForList(['e4', 'e3', 'e2']);
      expect(await page.isHidden('#loading')).toBe(true);
      expect(await text('#page-info')).toBe('Page 2 of 3 · 7 entries');
      expect(new URL(page.url()).search).toBe('?page=2');

      await page.click('#older');
      await waitForList(['e1']);
      expect(await page.isDisabled('#older')).toBe(true);
      await page.locator('#status', { hasText: 'Page 3 of 3 · 7 entries' }).waitFor();

      // The browser's Back button and a reload keep the reader's place.
      await page.goBack();
      await waitForList(['e4', 'e3', 'e2']);
      await page.reload();
      await waitForList(['e4', 'e3', 'e2']);
      await page.click('#newer');
      await waitForList(['e7', 'e6', 'e5']);
      expect(new URL(page.url()).search).toBe('');
    },
    T,
  );

  it(
    'deletes an entry only after a confirmation',
    async () => {
      const [, second] = await addEntries('keep me', 'delete me');
      await openPage();
      await waitForList(['delete me', 'keep me']);

      await page
        .locator('#entries li', { hasText: 'delete me' })
        .getByRole('button', { name: /Delete entry/ })
        .click();
      const dialog = page.getByRole('dialog', { name: 'Delete this entry?' });
      await dialog.waitFor();
      expect(await text('#confirm-text')).toBe('delete me');
      await page.click('#confirm-cancel');
      expect(await dialog.isHidden()).toBe(true);
      expect((await call(web.stack.url, 'GET', `/api/entries/${second!.id}`)).status).toBe(200);

      await page
        .locator('#entries li', { hasText: 'delete me' })
        .getByRole('button', { name: /Delete entry/ })
        .click();
      await page.click('#confirm-ok');
      await page.locator('#status', { hasText: 'Entry deleted.' }).waitFor();
      await waitForList(['keep me']);
      expect((await call(web.stack.url, 'GET', `/api/entries/${second!.id}`)).status).toBe(404);
      await waitForFocus('entries-heading');
    },
    T,
  );

  it(
    "shows dates in the reader's locale",
    async () => {
      const [entry] = await addEntries('Guten Tag');
      await openPage({ locale: 'de-DE', timezoneId: 'Europe/Berlin' });
      await waitForList(['Guten Tag']);
      const time = page.locator('#entries time').first();
      expect(await time.getAttribute('datetime')).toBe(entry!.createdAt);
      expect(await time.textContent()).toMatch(/^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2}$/);
    },
    T,
  );

  it(
    'can be used with the keyboard alone: write, save, page, delete',
    async () => {
      await addEntries('k1', 'k2', 'k3');
      await openPage();
      await waitForList(['k3', 'k2', 'k1']);

      await page.keyboard.press('Tab');
      expect(await focused()).toBe('entry-text');
      await page.keyboard.type('typed with keys');
      await page.keyboard.press('Control+Enter');
      await waitForList(['typed with keys', 'k3', 'k2']);

      // Tab order: text → Save → search → Export → Import (writes need no token here: anyone may import) → each entry's Edit and Delete → Newer (disabled, skipped) → Older.
      for (const expected of ['save', 'search', 'export', 'import', /^Edit entry from /, /^Delete entry from /]) {
        await page.keyboard.press('Tab');
        if (typeof expected === 'string') expect(await focused()).toBe(expected);
        else expect(await focused()).toMatch(expected);
      }
      for (let i = 0; i < 5; i++) await page.keyboard.press('Tab');
      expect(await focused()).toBe('older');
      await page.keyboard.press('Enter');
      await waitForList(['k1']);
      // Older is now disabled: focus moved to Newer instead of getting lost.
      await waitForFocus('newer');
      await page.keyboard.press('Enter');
      await waitForList(['typed with keys', 'k3', 'k2']);
      await waitForFocus('older');

      // Delete the newest: Shift+Tab back to its button (past the Edit and Delete of the two others), Escape cancels, Enter confirms.
      for (let i = 0; i < 5; i++) await page.keyboard.press('Shift+Tab');
      expect(await focused()).toMatch(/^Delete entry from /);
      await page.keyboard.press('Enter');
      expect(await focused()).toBe('confirm-cancel');
      await page.keyboard.press('Escape');
      expect(await page.getByRole('dialog').isHidden()).toBe(true);
      expect(await focused()).toMatch(/^Delete entry from /);
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('confirm-ok');
      await page.keyboard.press('Enter');
      await waitForList(['k3', 'k2', 'k1']);
      await waitForFocus('entries-heading');
    },
    T,
  );

  it(
    'fits a phone screen and a desktop (screenshots in test-output/screenshots)',
    async () => {
      await addEntries('A first entry.', `A long line without spaces: ${'x'.repeat(300)}`, 'Line one\nLine two\nLine three');
      mkdirSync(SCREENSHOTS, { recursive: true });
      for (const [name, viewport] of [
        ['phone', { width: 390, height: 844 }],
        ['desktop', { width: 1280, height: 900 }],
      ] as const) {
        await openPage({ viewport });
        await waitForList(['Line one\nLine two\nLine three', `A long line without spaces: ${'x'.repeat(300)}`, 'A first entry.']);
        // Nothing sticks out sideways, even the long word.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
        await page.screenshot({ path: join(SCREENSHOTS, `journal-${name}.png`), fullPage: true });
      }
    },
    T,
  );

  it(
    'retries a failed save with the same Idempotency-Key, so the entry is stored once; a new save gets a new key',
    async () => {
      await openPage();
      const keys: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST' && request.url().endsWith('/api/entries')) keys.push(request.headers()['idempotency-key']);
      });
      // A hung replica: the entry reaches the primary, but no replica confirms it, so the save gets a 503.
      web.stack.redis.replica.pause();
      try {
        await page.fill('#entry-text', 'saved once');
        await page.click('#save');
        await page.locator('#form-error', { hasText: UNAVAILABLE }).waitFor();
      } finally {
        web.stack.redis.replica.resume();
      }
      await page.click('#save');
      await waitForList(['saved once']);
      await page.fill('#entry-text', 'another entry');
      await page.click('#save');
      await waitForList(['another entry', 'saved once']);
      expect(keys).toHaveLength(3);
      expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
      expect(keys[1]).toBe(keys[0]);
      expect(keys[2]).not.toBe(keys[0]);
      expect((await call(web.stack.url, 'GET', '/api/entries')).body.total).toBe(2);
    },
    T,
  );

  // Last: it stops and restarts Redis.
  it(
    'says clearly that storage is unavailable when Redis is down (503), and recovers',
    async () => {
      await addEntries('survives');
      await openPage();
      await waitForList(['survives']);

      // SIGTERM: Redis writes its AOF before it exits, so the entry is there after the restart.
      await web.stack.redis.replica.stop('SIGTERM');
      await web.stack.redis.primary.stop('SIGTERM');

      await page.fill('#entry-text', 'while Redis is down');
      await page.click('#save');
      await page.locator('#form-error', { hasText: UNAVAILABLE }).waitFor();
      expect(await page.inputValue('#entry-text')).toBe('while Redis is down');

      await page.reload();
      await page.locator('#list-error-text', { hasText: UNAVAILABLE }).waitFor();
      expect(await page.locator('#entries li').count()).toBe(0);
      await page.screenshot({ path: join(SCREENSHOTS, 'journal-redis-down.png') });

      await web.stack.redis.primary.start();
      await web.stack.redis.replica.start();
      // The API heals by itself; the reader only presses "Try again".
      await waitFor(
        'the list to come back after "Try again"',
        async () => {
          // The button hides once a retry succeeds: click only while it shows, never wait for it.
          if (await page.isVisible('#retry')) await page.click('#retry', { timeout: 1000 }).catch(() => undefined);
          return (await shownTexts()).includes('survives') ? true : undefined;
        },
        15_000,
      );
      expect(await page.isHidden('#list-error')).toBe(true);
      await waitForFocus('entries-heading');
    },
    T,
  );
});
