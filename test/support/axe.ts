import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeResults {
  violations: { id: string; help: string; nodes: { target: string[] }[] }[];
}

/**
 * axe-core's violations on the page as it is now (every rule axe runs by default: WCAG 2.x A and
 * AA, and its best practices), one line each. axe is put in through the DevTools protocol, which
 * the page's Content-Security-Policy does not govern, so the page keeps its real CSP.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() =>
    (window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } }).axe.run(document, {
      resultTypes: ['violations'],
    }),
  );
  return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Where the accessibility checks look at every state: desktop and phone, light and dark. */
export interface Look {
  viewport: { width: number; height: number };
  colorScheme: 'light' | 'dark';
  /** "1280 px, dark" */
  name: string;
}

export const LOOKS: Look[] = [
  { width: 1280, height: 900 },
  { width: 375, height: 812 },
].flatMap((viewport) =>
  (['light', 'dark'] as const).map((colorScheme) => ({ viewport, colorScheme, name: `${viewport.width} px, ${colorScheme}` })),
);

/**
 * axe-core's violations in every look: `visit` brings a page (opened in that look) through its
 * states, calling `check` in each; every violation is prefixed with the look and the state.
 */
export async function violationsInEveryLook(
  visit: (look: Look, check: (page: Page, state: string) => Promise<void>) => Promise<void>,
): Promise<string[]> {
  const found: string[] = [];
  for (const look of LOOKS) {
    await visit(look, async (page, state) => {
      for (const violation of await axeViolations(page)) found.push(`${look.name}, ${state}: ${violation}`);
    });
  }
  return found;
}
