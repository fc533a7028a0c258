// How entries read and are written in a real browser (Debian's Chromium) against the local stack
// (real NGINX with its CSP, the real API, a real Redis pair): Markdown, "Show more", times and
// the names screen readers hear, drafts that survive a reload.
import { describe, expect, it } from '@jest/globals';
import { call } from '../support/http.js';
import { waitFor } from '../support/ports.js';
import { useWebSession } from './stack.js';

const T = 30_000;
/** About the 2,700 characters that filled three phone screens. */
const LONG = Array.from({ length: 30 }, (_, i) => `Paragraph ${i + 1} of a long day, written down before it fades.`).join('\n\n');

describe('entries in Chromium', () => {
  const web = useWebSession();

  async function add(...texts: string[]): Promise<{ id: string; createdAt: string }[]> {
    const entries = [];
    for (const text of texts) {
      const reply = await call(web.stack.url, 'POST', '/api/entries', { text });
      expect(reply.status).toBe(201);
      entries.push(reply.body);
    }
    return entries;
  }

  const entry = (text: string) => web.page.locator('#entries li', { hasText: text });

  it(
    'renders Markdown, with raw HTML and script links left inert under the CSP',
    async () => {
      await add(
        '# A heading\n\n**bold**, _soft_ and `code`\n\n- one\n- two\n\n> quoted\n\n[a site](https://example.org/) [bad](javascript:window.__pwned=3)\n' +
          '<img src=x onerror="window.__pwned=2"><script>window.__pwned=1</script>',
      );
      await web.open();
      const text = entry('A heading').locator('.text');
      await text.waitFor();
      expect(await text.evaluate((el) => [...el.querySelectorAll('*')].map((e) => e.tagName))).toEqual([
        'H1',
        'P',
        'STRONG',
        'EM',
        'CODE',
        'UL',
        'LI',
        'LI',
        'BLOCKQUOTE',
        'P',
        'P',
        'A',
        'BR',
      ]);
      const link = text.locator('a');
      expect([await link.getAttribute('href'), await link.getAttribute('rel')]).toEqual([
        'https://example.org/',
        'noopener noreferrer nofollow',
      ]);
      // The HTML and the javascript: link are shown as the text they are.
      expect(await text.textContent()).toContain('[bad](javascript:window.__pwned=3)');
      expect(await text.textContent()).toContain('<img src=x onerror="window.__pwned=2"><script>window.__pwned=1</script>');
      expect(await web.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    },
    T,
  );

  it(
    'cuts a long entry on a phone, with "Show more" that opens and closes it; a short one is whole, with no button',
    async () => {
      await add(LONG, 'A short entry.');
      await web.open('/', { viewport: { width: 375, height: 812 } });
      const long = entry('Paragraph 1 of');
      const toggle = long.locator('button.show-more');
      await long.getByRole('button', { name: /^Show more of the entry from .*: “Paragraph 1 of a long day/ }).waitFor();
      const heights = () => long.locator('.text').evaluate((el) => [el.clientHeight, el.scrollHeight]);
      const [shown, whole] = await heights();
      expect(shown).toBeLessThan(whole / 3);
      expect(shown).toBeLessThan(812 / 2); // well under one phone screen
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      expect(await toggle.getAttribute('aria-controls')).toBe(await long.locator('.text').getAttribute('id'));

      await toggle.click();
      expect(await toggle.textContent()).toBe('Show less');
      expect(await toggle.getAttribute('aria-label')).toMatch(/^Show less of the entry from /);
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      const [opened, all] = await heights();
      expect(opened).toBe(all);
      await toggle.click();
      expect((await heights())[0]).toBe(shown);

      expect(await entry('A short entry.').locator('button.show-more').count()).toBe(0);
    },
    T,
  );

  it(
    'shows times to the second, and names every entry uniquely for screen readers, even entries of the same second',
    async () => {
      const created = await add('Same words at the start, one', 'Same words at the start, one', 'Another');
      await web.open();
      await waitFor('the entries', async () => ((await web.page.locator('#entries li').count()) === 3 ? true : undefined));
      const times = await web.page.locator('#entries time').allTextContents();
      for (const time of times) expect(time).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2}\s[AP]M$/);
      const labels = await web.page
        .locator('#entries button.delete')
        .evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label')));
      expect(new Set(labels).size).toBe(3);
      // Newest first: each label has its entry's time and first words.
      const shown = [...created].reverse();
      labels.forEach((label, i) => {
        expect(label).toMatch(/^Delete entry from /);
        expect(label).toContain(times[i]);
        expect(label).toContain(i === 0 ? '“Another”' : '“Same words at the start, one”');
      });
      expect(await web.page.locator('#entries time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime')))).toEqual(
        shown.map((e) => e.createdAt),
      );
    },
    T,
  );

  it(
    'keeps a draft across reloads until it is saved',
    async () => {
      await web.open();
      await web.page.locator('#new-section').waitFor();
      await web.page.fill('#entry-text', 'Half a thought, 😀');
      await web.page.reload();
      await waitFor('the draft back', async () => ((await web.page.inputValue('#entry-text')) === 'Half a thought, 😀' ? true : undefined));
      expect(await web.page.textContent('#entry-counter')).toBe('17 / 10,000');

      // Still there in a new tab of the same browser.
      const other = await web.context.newPage();
      await other.goto(`${web.stack.url}/`);
      await waitFor('the draft in a new tab', async () =>
        (await other.inputValue('#entry-text')) === 'Half a thought, 😀' ? true : undefined,
      );
      await other.close();

      await web.page.fill('#entry-text', 'Half a thought, 😀 finished.');
      await web.page.click('#save');
      await entry('finished.').waitFor();
      expect(await web.page.evaluate(() => localStorage.length)).toBe(0);
      await web.page.reload();
      await entry('finished.').waitFor();
      expect(await web.page.inputValue('#entry-text')).toBe('');
    },
    T,
  );
});
