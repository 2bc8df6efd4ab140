/**
 * Debian's chromium, driven by playwright-core (which downloads no browser).
 * CI must run the browser tests: there a missing chromium fails them; on a
 * developer's machine without it they are skipped.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const skipBrowserTests = !existsSync(CHROMIUM) && !process.env.CI;

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
}

/** The little of the page's globals the callbacks run there use (the tests are type-checked without the DOM's types). */
export interface PageGlobals {
  document: { querySelector(selector: string): { textContent: string | null } | null; querySelectorAll(selector: string): ArrayLike<{ dataset: Record<string, string | undefined> }> };
  fetch: typeof fetch;
}

/** Waits until the element's text is `text` (the page updates after its requests answer). */
export async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  // A function, not a string (the page's CSP forbids eval); it runs in the page, so it names nothing from here.
  const check = ([sel, want]: readonly [string, string]) => (globalThis as unknown as PageGlobals).document.querySelector(sel)?.textContent === want;
  await page.waitForFunction(check, [selector, text] as const, { timeout: 10_000 }).catch(async (err: Error) => {
    throw new Error(`${selector} never read ${JSON.stringify(text)} (it reads ${JSON.stringify(await page.locator(selector).first().textContent().catch(() => null))}): ${err.message.split('\n')[0]}`);
  });
}

/** Errors the page raised or logged, collected for a final check. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}
