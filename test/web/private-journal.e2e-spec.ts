// A private journal (READ_ACCESS=signed-in) in a real browser (Debian's Chromium) against the
// local stack (real NGINX, the API with AUTH_MODE=token, a real Redis pair): the page asks to sign
// in to read, shows the entries once signed in, and drops them on sign-out. Also axe-core's
// verdict on every state, light and dark, desktop and phone, and the sign-in dialog's focus ring.
import { afterAll, describe, expect, it } from '@jest/globals';
import { bearer, newToken, tokenAuth } from '../support/auth.js';
import { violationsInEveryLook } from '../support/axe.js';
import { call } from '../support/http.js';
import { signIn as signInWith, useWebSession } from './stack.js';

const T = 60_000;
const alice = newToken();
const carol = newToken(); // an admin
const LONG = Array.from({ length: 30 }, (_, i) => `Paragraph ${i + 1} with **some** words and a [link](https://example.org/${i}).`).join(
  '\n\n',
);

describe('a private journal (READ_ACCESS=signed-in) in Chromium', () => {
  const { env, volume } = tokenAuth(
    [
      ['alice', alice],
      ['carol', carol],
    ],
    { AUTH_ADMINS: 'carol', READ_ACCESS: 'signed-in' },
  );
  const web = useWebSession(env, bearer(carol));
  afterAll(() => volume.remove());

  const signIn = (token: string, name: string, button?: string) => signInWith(web.page, token, name, button);
  const write = async (token: string, text: string) =>
    expect((await call(web.stack.url, 'POST', '/api/entries', { text }, bearer(token))).status).toBe(201);

  it(
    'asks a visitor to sign in to read, shows nothing of the entries, then shows them once signed in and drops them on sign-out',
    async () => {
      await write(alice, 'a private thought');
      await web.open();
      await web.page.locator('#private-journal').waitFor();
      expect(await web.page.textContent('#private-journal p')).toBe('This journal is private: sign in with your access token to read it.');
      expect(await web.page.isHidden('#entries-section')).toBe(true);
      expect(await web.page.isHidden('#read-only')).toBe(true);
      expect(await web.page.isHidden('#new-section')).toBe(true);
      expect(await web.page.content()).not.toContain('a private thought');

      await signIn(alice, 'alice', '#sign-in-to-read');
      await web.page.locator('#entries li', { hasText: 'a private thought' }).waitFor();
      expect(await web.page.isHidden('#private-journal')).toBe(true);
      expect(await web.page.isVisible('#new-section')).toBe(true);

      await web.page.click('#sign-out');
      await web.page.locator('#private-journal').waitFor();
      expect(await web.page.locator('#entries li').count()).toBe(0);
      expect(await web.page.content()).not.toContain('a private thought');
      // A reload without the token: still nothing.
      await web.page.reload();
      await web.page.locator('#private-journal').waitFor();
      expect(await web.page.content()).not.toContain('a private thought');
    },
    T,
  );

  it(
    "keeps each writer's draft to themselves: another writer signing in on the same browser never sees it",
    async () => {
      await web.open();
      await signIn(alice, 'alice', '#sign-in-to-read');
      await web.page.fill('#entry-text', "alice's unsaved draft");
      await web.page.click('#sign-out');
      await signIn(carol, 'carol');
      expect(await web.page.inputValue('#entry-text')).toBe('');
      await web.page.click('#sign-out');
      await signIn(alice, 'alice');
      expect(await web.page.inputValue('#entry-text')).toBe("alice's unsaved draft");
    },
    T,
  );

  it(
    "leaves room for the token field's focus ring: it overlaps neither button and is not cut by the dialog",
    async () => {
      for (const width of [1280, 375]) {
        await web.open('/', { viewport: { width, height: 800 } });
        await web.page.click('#sign-in-to-read');
        await web.page.keyboard.type('x'); // focus is in the field, as a keyboard user has it
        const geometry = await web.page.evaluate(() => {
          const input = document.getElementById('token-input')!;
          const style = getComputedStyle(input);
          const ring = parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset);
          const box = input.getBoundingClientRect();
          const dialog = document.getElementById('sign-in-dialog')!.getBoundingClientRect();
          const buttons = [...document.querySelectorAll('#sign-in-dialog button')].map((b) => b.getBoundingClientRect());
          return {
            focused: document.activeElement === input && input.matches(':focus-visible') && style.outlineStyle !== 'none',
            ring: { top: box.top - ring, bottom: box.bottom + ring, left: box.left - ring, right: box.right + ring },
            dialog: { top: dialog.top, bottom: dialog.bottom, left: dialog.left, right: dialog.right },
            buttonTops: buttons.map((b) => b.top),
          };
        });
        expect(geometry.focused).toBe(true);
        for (const top of geometry.buttonTops) expect(geometry.ring.bottom).toBeLessThan(top);
        expect(geometry.ring.left).toBeGreaterThan(geometry.dialog.left);
        expect(geometry.ring.right).toBeLessThan(geometry.dialog.right);
      }
    },
    T,
  );

  it('has no axe-core violation in any state, light and dark, at 1280 and 375 px', async () => {
    await write(alice, LONG);
    await write(alice, '# Markdown\n\n- a list\n- `code`\n\n> a quote');
    await write(carol, 'Short, by carol');
    const found = await violationsInEveryLook(async ({ viewport, colorScheme }, check) => {
      await web.open('/', { viewport, colorScheme });
      await web.page.locator('#private-journal').waitFor();
      await check(web.page, 'asked to sign in');
      await web.page.click('#sign-in-to-read');
      await web.page.fill('#token-input', newToken());
      await web.page.click('#sign-in-ok');
      await web.page.locator('#sign-in-error', { hasText: 'not valid' }).waitFor();
      await check(web.page, 'sign-in dialog with an error');
      await web.page.fill('#token-input', carol);
      await web.page.click('#sign-in-ok');
      await web.page.locator('#entries button.show-more').waitFor();
      await check(web.page, 'signed in, entries with a long one cut');
      await web.page.click('#entries button.show-more');
      await web.page.fill('#entry-text', 'x'.repeat(10_001));
      await web.page.click('#save');
      await check(web.page, 'long entry open, text over the limit');
      await web.page.locator('#entries button.delete').first().click();
      await web.page.getByRole('dialog', { name: 'Delete this entry?' }).waitFor();
      await check(web.page, 'delete dialog');
    });
    expect(found).toEqual([]);
  }, 120_000);
});
