// Signing in to write, in a real browser (Debian's Chromium) against the local stack (real NGINX,
// the API with AUTH_MODE=token, a real Redis pair): reading needs nothing, writing needs a token.
import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKEN_STORAGE_KEY } from '../../src/auth/auth-status.contract.js';
import { bearer, newToken, tokenAuth, tokensFile } from '../support/auth.js';
import { call } from '../support/http.js';
import { waitFor } from '../support/ports.js';
import { signIn as signInWith, useWebSession } from './stack.js';

const T = 30_000;
const alice = newToken();
const bob = newToken();
const carol = newToken(); // an admin

describe('signing in to write, in Chromium', () => {
  const { env, volume } = tokenAuth(
    [
      ['alice', alice],
      ['bob', bob],
      ['carol', carol],
    ],
    { AUTH_ADMINS: 'carol' },
  );
  const web = useWebSession(env, bearer(carol));
  afterAll(() => volume.remove());

  const write = async (token: string, text: string) => {
    const reply = await call(web.stack.url, 'POST', '/api/entries', { text }, bearer(token));
    expect(reply.status).toBe(201);
    return reply.body as { id: string };
  };
  const shownTexts = () => web.page.locator('#entries li .text').allTextContents();
  const waitForList = (expected: string[]) =>
    waitFor(`the list to show ${JSON.stringify(expected)}`, async () =>
      JSON.stringify(await shownTexts()) === JSON.stringify(expected) ? true : undefined,
    );
  /** The texts of the entries that have a Delete button. */
  const deletable = () => web.page.locator('#entries li:has(button.delete) .text').allTextContents();
  const storedToken = () => web.page.evaluate((key) => sessionStorage.getItem(key), TOKEN_STORAGE_KEY);

  const signIn = (token: string, name: string) => signInWith(web.page, token, name);

  it(
    'lets a visitor read, with no editor and no Delete button, only "Sign in"',
    async () => {
      await write(bob, 'written by bob');
      await web.open();
      await waitForList(['written by bob']);
      await web.page.locator('#sign-in').waitFor();
      expect(await web.page.isVisible('#read-only')).toBe(true);
      expect(await web.page.isHidden('#new-section')).toBe(true);
      expect(await web.page.isHidden('#sign-out')).toBe(true);
      expect(await web.page.locator('button.delete').count()).toBe(0);
      expect(await web.page.locator('#entries .author').allTextContents()).toEqual([' · bob']);
    },
    T,
  );

  it(
    "signs in, writes, deletes its own entry, cannot delete another writer's, signs out",
    async () => {
      await write(bob, 'by bob');
      await web.open();
      await waitForList(['by bob']);
      await signIn(alice, 'alice');
      expect(await storedToken()).toBe(alice);
      expect(await web.context.cookies()).toEqual([]);
      expect(await web.page.evaluate(() => localStorage.length)).toBe(0);
      expect(await web.page.isHidden('#sign-in')).toBe(true);
      expect(await deletable()).toEqual([]);

      await web.page.fill('#entry-text', 'by alice');
      await web.page.click('#save');
      await waitForList(['by alice', 'by bob']);
      const [newest] = (await call(web.stack.url, 'GET', '/api/entries')).body.entries;
      expect(newest).toMatchObject({ text: 'by alice', author: 'alice' });
      expect(await deletable()).toEqual(['by alice']);

      await web.page.click('#entries li:has-text("by alice") button.delete');
      await web.page.click('#confirm-ok');
      await waitForList(['by bob']);

      await web.page.click('#sign-out');
      await web.page.locator('#sign-in').waitFor();
      expect(await storedToken()).toBeNull();
      expect(await web.page.isHidden('#new-section')).toBe(true);
      expect(await web.page.isHidden('#writing-as')).toBe(true);
    },
    T,
  );

  it(
    'shows every Delete button to an admin',
    async () => {
      await write(bob, 'by bob');
      await write(alice, 'by alice');
      await web.open();
      await signIn(carol, 'carol');
      await waitFor('Delete buttons', async () => ((await deletable()).length === 2 ? true : undefined));
    },
    T,
  );

  it(
    'says why when the API refuses a delete (403)',
    async () => {
      await write(bob, 'by bob');
      await web.open();
      await signIn(alice, 'alice');
      // Make the page believe bob's entry is alice's, so it offers a Delete the API refuses.
      await web.page.route('**/api/entries?page=*', async (route) => {
        const response = await route.fetch();
        const body = await response.json();
        for (const entry of body.entries) entry.author = 'alice';
        await route.fulfill({ response, json: body });
      });
      await web.page.reload();
      await web.page.locator('button.delete').waitFor();
      await web.page.click('button.delete');
      await web.page.click('#confirm-ok');
      await web.page
        .locator('#list-error-text', { hasText: 'You may not delete this entry: only its author (bob) or an admin may' })
        .waitFor();
      expect((await call(web.stack.url, 'GET', '/api/entries')).body.total).toBe(1);
    },
    T,
  );

  it(
    'refuses a wrong token in the sign-in dialog',
    async () => {
      await web.open();
      await web.page.click('#sign-in');
      await web.page.fill('#token-input', newToken());
      await web.page.click('#sign-in-ok');
      await web.page.locator('#sign-in-error', { hasText: 'This token is not valid' }).waitFor();
      expect(await storedToken()).toBeNull();
      await web.page.click('#sign-in-cancel');
      expect(await web.page.isHidden('#new-section')).toBe(true);
    },
    T,
  );

  it(
    'asks for a token again when the signed-in one is revoked',
    async () => {
      await web.open();
      await signIn(bob, 'bob');
      volume.update({
        tokens: tokensFile([
          ['alice', alice],
          ['carol', carol],
        ]),
      }); // bob's token revoked
      await web.stack.api.waitForOutput('reloaded: 2 tokens of 2 writers');
      await web.page.fill('#entry-text', 'after revocation');
      await web.page.click('#save');
      await web.page.locator('#sign-in-reason', { hasText: 'no longer accepted' }).waitFor();
      expect(await web.page.isVisible('#sign-in-dialog')).toBe(true);
      expect(await storedToken()).toBeNull();
      expect((await call(web.stack.url, 'GET', '/api/entries')).body.total).toBe(0);
      // Signing in again with a valid token: the text typed before is still there to save.
      await web.page.fill('#token-input', alice);
      await web.page.click('#sign-in-ok');
      await web.page.locator('#writing-as', { hasText: 'Writing as alice' }).waitFor();
      await web.page.click('#save');
      await waitForList(['after revocation']);
      volume.update({
        tokens: tokensFile([
          ['alice', alice],
          ['bob', bob],
          ['carol', carol],
        ]),
      });
      await web.stack.api.waitForOutput('reloaded: 3 tokens of 3 writers');
    },
    T,
  );

  it(
    'signs in from a link with the token in its fragment, which leaves the address bar at once and never reaches a server',
    async () => {
      await web.open(`/?page=1#token=${alice}`);
      await web.page.locator('#writing-as', { hasText: 'Writing as alice' }).waitFor();
      expect(web.page.url()).toBe(`${web.stack.url}/?page=1`);
      expect(await web.page.evaluate(() => location.hash)).toBe('');
      expect(await storedToken()).toBe(alice);
      // Back leaves the page: the address with the token is not in the history.
      expect(await web.page.evaluate(() => history.length)).toBe(2); // about:blank, then this page
      const accessLog = readFileSync(join(web.stack.nginx.dir, 'access.log'), 'utf8');
      expect(accessLog).toContain('GET /?page=1 ');
      expect(accessLog).not.toContain(alice);
      expect(web.stack.api.output).not.toContain(alice);
    },
    T,
  );

  it(
    "asks before a sign-in link replaces the tab's session: keeping is the default, switching needs a click",
    async () => {
      await web.open();
      await signIn(alice, 'alice');
      // Someone else's link, opened in this tab.
      await web.page.goto(`${web.stack.url}/?page=1#token=${bob}`);
      await web.page.locator('#switch-dialog[open]').waitFor();
      expect(await web.page.locator('#switch-text').textContent()).toBe(
        'This tab writes as alice. The link you opened would sign it in as bob instead.',
      );
      expect(web.page.url()).toBe(`${web.stack.url}/?page=1`);
      expect(await storedToken()).toBe(alice);
      // Keep has the focus: Enter keeps the session.
      await web.page.keyboard.press('Enter');
      await web.page.locator('#switch-dialog:not([open])').waitFor({ state: 'attached' });
      await web.page.locator('#writing-as', { hasText: 'Writing as alice' }).waitFor();
      expect(await storedToken()).toBe(alice);

      // The same link followed from the page itself (only the fragment changes), switching this time.
      await web.page.evaluate((token) => (location.hash = `token=${token}`), bob);
      await web.page.click('#switch-ok');
      await web.page.locator('#writing-as', { hasText: 'Writing as bob' }).waitFor();
      expect(await storedToken()).toBe(bob);
      expect(await web.page.evaluate(() => location.hash)).toBe('');
    },
    T,
  );
});
