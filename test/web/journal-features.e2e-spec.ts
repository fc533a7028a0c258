// The journal's own features in a real browser (Debian's Chromium) against the local stack (real
// NGINX, the API with AUTH_MODE=token, a real Redis pair): editing in place (and its conflicts),
// private entries, search as you type with the matched words marked, Export and Import; and
// axe-core's verdict on those states. Pages of 3 entries.
import { afterAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import type { Entry, ExportedEntry } from '../../src/journal/entry.contract.js';
import { bearer, newToken, tokenAuth } from '../support/auth.js';
import { violationsInEveryLook } from '../support/axe.js';
import { call } from '../support/http.js';
import { waitFor } from '../support/ports.js';
import { signIn as signInWith, useWebSession } from './stack.js';

const T = 60_000;
const alice = newToken();
const bob = newToken();
const carol = newToken(); // an admin
/** Long enough that NGINX would gzip its JSON, and so weaken its ETag (W/"..."), if it compressed API answers. */
const LONG_TAIL = ', and the day went on'.repeat(20);

describe('editing, private entries, search and Export in Chromium', () => {
  const { env, volume } = tokenAuth(
    [
      ['alice', alice],
      ['bob', bob],
      ['carol', carol],
    ],
    { AUTH_ADMINS: 'carol', JOURNAL_ENTRIES: '3' },
  );
  const web = useWebSession(env, bearer(carol));
  afterAll(() => volume.remove());

  /** Writes an entry through the API (oldest first when called in turn). */
  const write = async (token: string, text: string, isPrivate = false): Promise<Entry> => {
    const reply = await call(web.stack.url, 'POST', '/api/entries', isPrivate ? { text, private: true } : { text }, bearer(token));
    expect(reply.status).toBe(201);
    return reply.body as Entry;
  };
  const signIn = (token: string, name: string) => signInWith(web.page, token, name);
  const item = (text: string) => web.page.locator('#entries > li', { hasText: text });
  /** The open editor (its entry's text is in a text box then, so `item` cannot find it by its text). */
  const editor = () => web.page.locator('#entries form.editor');
  const shownTexts = () => web.page.locator('#entries > li > article > .text').allTextContents();
  const waitForList = (expected: string[], page: Page = web.page) =>
    waitFor(`the list to show ${JSON.stringify(expected)}`, async () => {
      const shown = await page.locator('#entries > li > article > .text').allTextContents();
      return JSON.stringify(shown) === JSON.stringify(expected) ? true : undefined;
    });
  const focused = () =>
    web.page.evaluate(() => {
      const element = document.activeElement;
      return element?.getAttribute('aria-label') || element?.id || element?.className || element?.tagName;
    });
  const waitForFocus = (expected: RegExp) =>
    waitFor(`focus on ${expected}`, async () => (expected.test(String(await focused())) ? true : undefined));
  const marks = () => web.page.locator('#entries mark').allTextContents();
  const status = () => web.page.locator('#status').textContent();
  const search = () => new URL(web.page.url()).search;
  /** Another client edits the entry meanwhile, straight through the API (so its ETag is not weakened by NGINX's gzip). */
  const editElsewhere = async (id: string, text: string) => {
    const read = await call(web.stack.api.url, 'GET', `/api/entries/${id}`, undefined, bearer(alice));
    const edited = await call(
      web.stack.api.url,
      'PATCH',
      `/api/entries/${id}`,
      { text },
      { ...bearer(alice), 'if-match': read.headers.get('etag')! },
    );
    expect(edited.status).toBe(200);
  };

  describe('editing in place', () => {
    it(
      'saves an edit: the text changes, the id and date stay, "edited" shows, and focus goes into the editor and back',
      async () => {
        const older = await write(alice, 'by alice, older');
        const entry = await write(alice, `First draft${LONG_TAIL}`);
        await write(bob, 'by bob');
        await web.open();
        await signIn(alice, 'alice');
        await waitForList(['by bob', `First draft${LONG_TAIL}`, 'by alice, older']);
        // Her own entries have Edit; bob's has none.
        expect(await item('by bob').locator('button.edit').count()).toBe(0);

        // By keyboard: Enter on Edit puts the cursor at the end of the text.
        await item('First draft')
          .getByRole('button', { name: /^Edit entry from / })
          .focus();
        await web.page.keyboard.press('Enter');
        const field = editor().getByLabel('Your text', { exact: true });
        await waitForFocus(/^edit-1$/);
        expect(await field.inputValue()).toBe(`First draft${LONG_TAIL}`);
        expect(await field.evaluate((el: HTMLTextAreaElement) => el.selectionStart === el.value.length)).toBe(true);
        expect(await item('by alice, older').locator('button.edit').count()).toBe(1);
        expect(await web.page.locator('#entries button.edit').count()).toBe(1); // not on the entry being edited

        await field.fill('Second draft, **better**');
        await web.page.keyboard.press('Control+Enter');
        await waitForList(['by bob', 'Second draft, better', 'by alice, older']);
        await web.page.locator('#status', { hasText: 'Entry saved.' }).waitFor();
        await waitForFocus(/^Edit entry from .*“Second draft, \*\*better\*\*”$/);

        const stored = (await call(web.stack.url, 'GET', `/api/entries/${entry.id}`)).body as Entry;
        expect(stored).toMatchObject({ id: entry.id, createdAt: entry.createdAt, text: 'Second draft, **better**', author: 'alice' });
        expect(stored.updatedAt).toBeDefined();
        const edited = item('Second draft').locator('.edited');
        expect(await edited.locator('time').getAttribute('datetime')).toBe(stored.updatedAt);
        expect(await edited.textContent()).toMatch(/^ · edited [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2}\s[AP]M$/);
        expect(await item('Second draft').locator('time').first().getAttribute('datetime')).toBe(entry.createdAt);
        expect(await item('by alice, older').locator('.edited').count()).toBe(0);
        // Its place in the list and the list itself stay; a reload shows the same.
        await web.page.reload();
        await waitForList(['by bob', 'Second draft, better', 'by alice, older']);
        expect(await item('Second draft').locator('.edited time').getAttribute('datetime')).toBe(stored.updatedAt);
        expect(older.id).not.toBe(entry.id);
      },
      T,
    );

    it(
      'cancels without a request, and says so when nothing changed',
      async () => {
        await write(alice, 'leave me as I am');
        await web.open();
        await signIn(alice, 'alice');
        const patches: string[] = [];
        web.page.on('request', (request) => {
          if (request.method() === 'PATCH') patches.push(request.url());
        });
        await item('leave me')
          .getByRole('button', { name: /^Edit / })
          .click();
        await editor().getByLabel('Your text', { exact: true }).fill('a change I regret');
        await editor().getByRole('button', { name: 'Cancel' }).click();
        await waitForList(['leave me as I am']);
        await waitForFocus(/^Edit entry from /);

        await item('leave me')
          .getByRole('button', { name: /^Edit / })
          .click();
        await editor().getByRole('button', { name: 'Save' }).click();
        await web.page.locator('#status', { hasText: 'Nothing changed.' }).waitFor();
        await waitForList(['leave me as I am']);
        expect(patches).toEqual([]);
      },
      T,
    );

    it(
      'explains a conflict (412): the entry changed elsewhere meanwhile; the typed text is kept and the current version shown',
      async () => {
        const entry = await write(alice, `The original${LONG_TAIL}`);
        await web.open();
        await signIn(alice, 'alice');
        await item('The original')
          .getByRole('button', { name: /^Edit / })
          .click();
        const field = editor().getByLabel('Your text', { exact: true });
        await field.fill('My careful rewrite');

        // Meanwhile, in another tab: the same entry edited through the API.
        await editElsewhere(entry.id, 'Changed *elsewhere*');

        await editor().getByRole('button', { name: 'Save' }).click();
        const conflict = web.page.locator('#entries .conflict');
        await conflict.waitFor();
        expect(await conflict.locator('p').first().textContent()).toMatch(
          /^Not saved: this entry was changed somewhere else \(in another tab, or by someone else\) after you started editing it\./,
        );
        expect(await conflict.locator('.current-version').textContent()).toBe('Changed elsewhere');
        expect(await conflict.locator('.current-version em').count()).toBe(1);
        expect(await conflict.locator('.caption').textContent()).toMatch(/^Current version, edited /);
        expect(await field.inputValue()).toBe('My careful rewrite');
        await waitForFocus(/^conflict$/);
        expect((await call(web.stack.url, 'GET', `/api/entries/${entry.id}`)).body.text).toBe('Changed *elsewhere*');

        // Saving now replaces the version they have seen, knowingly.
        await editor().getByRole('button', { name: 'Save' }).click();
        await waitForList(['My careful rewrite']);
        expect((await call(web.stack.url, 'GET', `/api/entries/${entry.id}`)).body.text).toBe('My careful rewrite');
      },
      T,
    );

    it(
      'keeps an open edit across reloads, with the version it was made on: a change made elsewhere meanwhile is still caught',
      async () => {
        const entry = await write(alice, `Before the reload${LONG_TAIL}`);
        await web.open();
        await signIn(alice, 'alice');
        await item('Before the reload')
          .getByRole('button', { name: /^Edit / })
          .click();
        const field = editor().getByLabel('Your text', { exact: true });
        const box = editor().getByLabel('Private', { exact: true });
        await field.fill('Half-way through my rewrite');
        await box.check();

        await web.page.reload();
        await field.waitFor();
        expect(await field.inputValue()).toBe('Half-way through my rewrite');
        expect(await box.isChecked()).toBe(true);

        // The version the edit began on is what Save sends in If-Match, reload or not.
        await editElsewhere(entry.id, 'Changed elsewhere while the tab was reloading');
        await editor().getByRole('button', { name: 'Save' }).click();
        await web.page.locator('#entries .conflict').waitFor();
        await web.page.reload();
        expect(await web.page.locator('#entries .conflict .current-version').textContent()).toBe(
          'Changed elsewhere while the tab was reloading',
        );
        expect(await field.inputValue()).toBe('Half-way through my rewrite');

        await editor().getByRole('button', { name: 'Save' }).click();
        await waitForList(['Half-way through my rewrite']);
        expect((await call(web.stack.url, 'GET', `/api/entries/${entry.id}`, undefined, bearer(alice))).body).toMatchObject({
          text: 'Half-way through my rewrite',
          private: true,
        });
        // Saved: nothing is left to come back.
        await web.page.reload();
        await waitForList(['Half-way through my rewrite']);
        expect(await editor().count()).toBe(0);
      },
      T,
    );

    it(
      "shows the API's reason for other refusals (403), keeping the text",
      async () => {
        await write(bob, 'by bob');
        await web.open();
        // Make the page believe alice is an admin (as if she had been one until a moment ago), so it offers an Edit the API refuses.
        await web.page.route('**/api/auth/me', async (route) => {
          const response = await route.fetch();
          await route.fulfill({ response, json: { ...(await response.json()), admin: true } });
        });
        await signIn(alice, 'alice');
        await item('by bob')
          .getByRole('button', { name: /^Edit / })
          .click();
        await editor().getByLabel('Your text', { exact: true }).fill('not mine to change');
        await editor().getByRole('button', { name: 'Save' }).click();
        await web.page
          .getByRole('alert')
          .filter({ hasText: 'You may not edit this entry: only its author (bob) or an admin may' })
          .waitFor();
        expect(await editor().getByLabel('Your text', { exact: true }).inputValue()).toBe('not mine to change');
        await waitForFocus(/^edit-0$/);
        expect((await call(web.stack.url, 'GET', '/api/entries')).body.entries[0].text).toBe('by bob');
      },
      T,
    );
  });

  describe('private entries', () => {
    it(
      'writes a private entry, marks it, keeps it from anyone but its author and admins, and toggles it while editing',
      async () => {
        await write(bob, 'public, by bob');
        await web.open();
        await web.page.locator('#sign-in').waitFor();
        expect(await web.page.isHidden('#private-choice')).toBe(true);
        await signIn(alice, 'alice');
        await web.page.fill('#entry-text', 'a secret of alice');
        await web.page.getByLabel('Private', { exact: true }).check();
        await web.page.click('#save');
        await waitForList(['a secret of alice', 'public, by bob']);
        expect(await web.page.getByLabel('Private', { exact: true }).isChecked()).toBe(false); // the next entry starts public
        const mark = item('a secret of alice').locator('.private-mark');
        expect(await mark.textContent()).toBe('Private');
        expect(await mark.locator('svg[aria-hidden="true"]').count()).toBe(1);
        expect(await item('public, by bob').locator('.private-mark').count()).toBe(0);
        const [stored] = (await call(web.stack.url, 'GET', '/api/entries', undefined, bearer(alice))).body.entries as Entry[];
        expect(stored).toMatchObject({ text: 'a secret of alice', private: true, author: 'alice' });

        // Anyone else, a visitor or another writer, does not see it; an admin does, marked. A sign-in
        // link signs the page in before its one load of the list, so the list shown is that person's.
        const seenBy = async (expected: string[], token?: string, name?: string) => {
          await web.open(token === undefined ? '/' : `/#token=${token}`);
          await web.page.locator(token === undefined ? '#sign-in' : `#writing-as:has-text("Writing as ${name}")`).waitFor();
          await waitForList(expected);
        };
        await seenBy(['public, by bob']);
        expect(await web.page.content()).not.toContain('a secret of alice');
        expect(await web.page.textContent('#page-info')).toBe('Page 1 of 1 · 1 entry');
        await seenBy(['public, by bob'], bob, 'bob');
        await seenBy(['a secret of alice', 'public, by bob'], carol, 'carol');
        expect(await item('a secret of alice').locator('.private-mark').textContent()).toBe('Private');

        // Alice makes it public while editing, then private again.
        const setPrivate = async (value: boolean) => {
          await item('a secret of alice')
            .getByRole('button', { name: /^Edit / })
            .click();
          const box = editor().getByLabel('Private', { exact: true });
          expect(await box.isChecked()).toBe(!value);
          await box.setChecked(value);
          await editor().getByRole('button', { name: 'Save' }).click();
          await web.page.locator('#status', { hasText: 'Entry saved.' }).waitFor();
        };
        await seenBy(['a secret of alice', 'public, by bob'], alice, 'alice');
        await setPrivate(false);
        expect(await item('a secret of alice').locator('.private-mark').count()).toBe(0);
        await seenBy(['a secret of alice', 'public, by bob']);
        await seenBy(['a secret of alice', 'public, by bob'], alice, 'alice');
        await setPrivate(true);
        expect(await item('a secret of alice').locator('.private-mark').textContent()).toBe('Private');
        await seenBy(['public, by bob']);
      },
      T,
    );
  });

  describe('search', () => {
    it(
      'searches as you type, marks the matched words, says how many match, pages through them, and clearing restores the list',
      async () => {
        await write(alice, 'Bees in the garden');
        await write(alice, 'A walk on the beach');
        await write(bob, 'Walking the dog');
        await write(alice, 'Beach cleanup, *so many* beaches');
        await write(bob, 'Dinner on the [beach](https://example.org/beach)');
        await write(alice, 'Nothing to report');
        await write(alice, 'Bearings lost, then found', true); // private: found by alice only
        await web.open();
        await signIn(alice, 'alice');
        await waitForList(['Bearings lost, then found', 'Nothing to report', 'Dinner on the beach']);
        const requests: string[] = [];
        web.page.on('request', (request) => {
          if (request.url().includes('q=')) requests.push(new URL(request.url()).search);
        });

        await web.page.getByRole('searchbox', { name: 'Search entries' }).focus();
        await web.page.keyboard.type('bea', { delay: 40 });
        await waitForList(['Bearings lost, then found', 'Dinner on the beach', 'Beach cleanup, so many beaches']);
        await web.page.locator('#status', { hasText: '4 entries match.' }).waitFor();
        expect(await web.page.getAttribute('#status', 'aria-live')).toBe('polite');
        expect(await marks()).toEqual(['Bearings', 'beach', 'Beach', 'beaches']);
        // Marked in the rendered Markdown's text: inside the link and the emphasis, never around markup.
        expect(await item('Dinner').locator('a > mark').textContent()).toBe('beach');
        expect(await item('Beach cleanup').locator('em').textContent()).toBe('so many');
        expect(await web.page.textContent('#page-info')).toBe('Page 1 of 2 · 4 entries match');
        // Debounced: one request for the three keys typed 40 ms apart (two if the machine stalls), not one per key.
        expect(requests.at(-1)).toBe('?page=1&q=bea');
        expect(requests.length).toBeLessThan(3);
        expect(search()).toBe('?q=bea');

        // Paging stays within the results, in the address too; a reload keeps the search.
        await web.page.click('#older');
        await waitForList(['A walk on the beach']);
        expect(search()).toBe('?q=bea&page=2');
        expect(await marks()).toEqual(['beach']);
        await web.page.reload();
        await waitForList(['A walk on the beach']);
        expect(await web.page.inputValue('#search')).toBe('bea');
        await web.page.click('#newer');
        await waitForList(['Bearings lost, then found', 'Dinner on the beach', 'Beach cleanup, so many beaches']);

        // Two words: both as whole words, the last also as a prefix.
        await web.page.fill('#search', 'the bea');
        await waitForList(['Dinner on the beach', 'A walk on the beach']);
        expect(await marks()).toEqual(['the', 'beach', 'the', 'beach']);
        await web.page.fill('#search', 'zebra');
        await web.page.locator('#status', { hasText: 'No entries match.' }).waitFor();
        expect(await web.page.textContent('#empty')).toBe('No entries match “zebra”.');
        expect(await shownTexts()).toEqual([]);

        // Escape empties the search box: the whole list again.
        await web.page.press('#search', 'Escape');
        expect(await web.page.inputValue('#search')).toBe('');
        await waitForList(['Bearings lost, then found', 'Nothing to report', 'Dinner on the beach']);
        await web.page.locator('#status', { hasText: 'Search cleared.' }).waitFor();
        expect(await marks()).toEqual([]);
        expect(await web.page.textContent('#page-info')).toBe('Page 1 of 3 · 7 entries');
        expect(search()).toBe('');
      },
      T,
    );

    it(
      'never lets a slow answer to an earlier search replace the answer to a later one',
      async () => {
        await write(alice, 'Bees in the garden');
        await write(alice, 'A walk on the beach');
        await web.open();
        await waitForList(['A walk on the beach', 'Bees in the garden']);
        // The answer for "be" takes a second; "bea" is answered at once.
        await web.page.route(
          (url) => url.pathname === '/api/entries' && url.search === '?page=1&q=be',
          async (route) => {
            await new Promise((resolve) => setTimeout(resolve, 1000));
            await route.continue().catch(() => undefined); // aborted by the page meanwhile
          },
        );
        await web.page.fill('#search', 'be');
        await web.page.waitForRequest((request) => request.url().endsWith('q=be'));
        await web.page.fill('#search', 'bea');
        await waitForList(['A walk on the beach']);
        await web.page.waitForTimeout(1500);
        expect(await shownTexts()).toEqual(['A walk on the beach']);
        expect(await marks()).toEqual(['beach']);
        expect(await status()).toBe('1 entry matches.');
      },
      T,
    );

    it(
      'ignores case and accents like the API, and marks words as they are written',
      async () => {
        await write(alice, 'Un CAFÉ à **Zürich**');
        await write(alice, 'cafe au lait, then a cafeteria');
        await write(alice, 'A <mark>fake</mark> café, written as HTML');
        await web.open();
        await web.page.fill('#search', 'Café');
        await web.page.locator('#status', { hasText: '3 entries match.' }).waitFor();
        await waitForList(['A <mark>fake</mark> café, written as HTML', 'cafe au lait, then a cafeteria', 'Un CAFÉ à Zürich']);
        expect(await marks()).toEqual(['café', 'cafe', 'cafeteria', 'CAFÉ']);
        // The HTML the entry spells out stays text: only the search adds marks.
        expect(await item('written as HTML').locator('mark').allTextContents()).toEqual(['café']);

        await web.page.fill('#search', 'ZURICH cafe');
        await waitForList(['Un CAFÉ à Zürich']);
        expect(await marks()).toEqual(['CAFÉ', 'Zürich']);
        expect(await item('Zürich').locator('strong > mark').textContent()).toBe('Zürich');
        await web.page.locator('#status', { hasText: '1 entry matches.' }).waitFor();
        expect(search()).toBe('?q=ZURICH+cafe');
      },
      T,
    );
  });

  describe('export', () => {
    it(
      'downloads, under the name the API gives, a file of exactly the entries the person may read',
      async () => {
        const mine = await write(alice, 'alice, public');
        const mineHidden = await write(alice, 'alice, private', true);
        const bobs = await write(bob, 'bob, public');
        await write(bob, 'bob, private', true);

        const exported = async () => {
          const [download] = await Promise.all([web.page.waitForEvent('download'), web.page.click('#export')]);
          expect(download.suggestedFilename()).toMatch(/^journal-\d{4}-\d{2}-\d{2}\.ndjson$/);
          const text = await readFile((await download.path())!, 'utf8');
          await web.page.locator('#status', { hasText: `Exported to ${download.suggestedFilename()}.` }).waitFor();
          return text
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as ExportedEntry);
        };

        await web.open();
        await signIn(alice, 'alice');
        const lines = await exported();
        expect(lines.map((line) => line.id)).toEqual([mine.id, mineHidden.id, bobs.id]); // oldest first
        expect(lines[1]).toEqual({ ...mineHidden, updatedAt: null, private: true });
        // The same file the API gives alice's token.
        const fromApi = await call(web.stack.url, 'GET', '/api/entries/export', undefined, bearer(alice));
        expect(lines).toEqual(
          fromApi.text
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line)),
        );

        // A visitor's file has the public entries only.
        await web.open();
        await web.page.locator('#sign-in').waitFor();
        expect((await exported()).map((line) => line.text)).toEqual(['alice, public', 'bob, public']);
      },
      T,
    );
  });

  describe('import', () => {
    /** Chooses `files` through the Import button's file chooser, as a person would. */
    const importFile = async (name: string, mimeType: string, content: string) => {
      const [chooser] = await Promise.all([web.page.waitForEvent('filechooser'), web.page.click('#import')]);
      await chooser.setFiles({ name, mimeType, buffer: Buffer.from(content) });
    };
    const summary = (text: string) => web.page.locator('#import-summary', { hasText: text }).waitFor();

    it(
      'lets an admin import an export and a Day One file, says what it did line by line, and adds nothing the second time',
      async () => {
        await web.open();
        await signIn(alice, 'alice');
        // Only admins may import: a file carries authors and private entries.
        await web.page.locator('#export').waitFor();
        expect(await web.page.locator('#import').isHidden()).toBe(true);

        await web.open();
        await signIn(carol, 'carol');
        const exported = [
          {
            id: '01JE5Z00000000000000000AAA',
            text: 'From an export, public',
            createdAt: '2024-03-01T09:00:00.000Z',
            updatedAt: null,
            author: 'bob',
            private: false,
          },
          {
            id: '01JE5Z00000000000000000BBB',
            text: '   ',
            createdAt: '2024-03-02T09:00:00.000Z',
            updatedAt: null,
            author: 'bob',
            private: false,
          },
          {
            id: '01JE5Z00000000000000000CCC',
            text: 'From an export, private',
            createdAt: '2024-03-03T09:00:00.000Z',
            updatedAt: null,
            author: 'alice',
            private: true,
          },
        ];
        const file = exported.map((line) => JSON.stringify(line)).join('\n') + '\n';
        await importFile('journal-2024.ndjson', 'application/x-ndjson', file);
        await summary('journal-2024.ndjson: 2 entries imported, 1 record not imported (listed below).');
        expect(await web.page.locator('#import-failures li').allTextContents()).toEqual([expect.stringMatching(/^Line 2: \S/)]);
        // carol (an admin) sees both, newest first; the list was reloaded.
        await waitForList(['From an export, private', 'From an export, public']);

        await importFile('journal-2024.ndjson', 'application/x-ndjson', file);
        await summary('journal-2024.ndjson: 0 entries imported, 2 entries already there, 1 record not imported (listed below).');

        const dayOne = JSON.stringify({
          entries: [{ uuid: 'F2C1D6A4B3E24C8F9A0B1C2D3E4F5A6B', text: 'From Day One', creationDate: '2024-03-04T09:00:00Z' }],
        });
        await importFile('Journal.json', 'application/json', dayOne);
        await summary('Journal.json: 1 entry imported.');
        await waitForList(['From Day One', 'From an export, private', 'From an export, public']);
        // The private entry stays alice's: a visitor does not see it.
        const page = await call(web.stack.url, 'GET', '/api/entries');
        expect(page.body.entries.map((entry: Entry) => entry.text)).toEqual(['From Day One', 'From an export, public']);
      },
      T,
    );
  });

  it('has no axe-core violation in the new states, light and dark, at 1280 and 375 px', async () => {
    const entry = await write(alice, `To be edited, with a [link](https://example.org/)${LONG_TAIL}`);
    await write(alice, 'A private walk on the **beach**', true);
    await write(bob, 'Beach day, by bob');
    let version = 0;
    const found = await violationsInEveryLook(async ({ viewport, colorScheme }, check) => {
      await web.open('/', { viewport, colorScheme });
      await signIn(alice, 'alice');
      await item('A private walk').locator('.private-mark').waitFor();
      await web.page.getByLabel('Private', { exact: true }).check();
      await check(web.page, 'signed in, a private entry, Private ticked');

      await web.page.fill('#search', 'bea');
      await web.page.locator('#status', { hasText: '2 entries match.' }).waitFor();
      await check(web.page, 'search results with marks');
      await web.page.fill('#search', 'zebra');
      await web.page.locator('#status', { hasText: 'No entries match.' }).waitFor();
      await check(web.page, 'a search that finds nothing');
      await web.page.fill('#search', '');
      await web.page.locator('#status', { hasText: 'Search cleared.' }).waitFor();

      await item('To be edited')
        .getByRole('button', { name: /^Edit / })
        .click();
      const field = editor().getByLabel('Your text', { exact: true });
      await field.fill('x'.repeat(10_001));
      await editor().getByRole('button', { name: 'Save' }).click();
      await editor().getByRole('alert').filter({ hasText: 'at most 10,000 characters' }).waitFor();
      await check(web.page, 'editing, text over the limit');

      // A conflict: the entry changed through the API while the editor is open.
      await editElsewhere(entry.id, `To be edited, version ${++version}, **changed** elsewhere`);
      await field.fill('My version');
      await editor().getByRole('button', { name: 'Save' }).click();
      await web.page.locator('#entries .conflict').waitFor();
      await check(web.page, 'editing, a conflict');
      await editor().getByRole('button', { name: 'Cancel' }).click();
      await item('changed elsewhere').locator('button.edit').waitFor();
      await check(web.page, 'an edited entry');

      // An admin's view, after an import with a bad record.
      await web.page.click('#sign-out');
      await signIn(carol, 'carol');
      const [chooser] = await Promise.all([web.page.waitForEvent('filechooser'), web.page.click('#import')]);
      await chooser.setFiles({ name: 'bad.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from('not json\n') });
      await web.page.locator('#import-failures li').waitFor();
      await check(web.page, 'an admin, after an import with a bad record');
    });
    expect(found).toEqual([]);
  }, 180_000);
});
