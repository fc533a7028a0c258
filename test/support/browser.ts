import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's Chromium; without the networking flags it keeps trying to reach outside hosts and logs refused connections. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page in a new context (en-US, UTC unless `options` say otherwise) and the problems it meets: uncaught errors and CSP refusals. */
export async function openPage(
  browser: Browser,
  url: string,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', ...options });
  // A wait that cannot end fails naming its locator, well before the test's own timeout hides which one.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/.test(msg.text())) problems.push(`CSP: ${msg.text()}`);
  });
  await page.goto(url);
  return { context, page, problems };
}
