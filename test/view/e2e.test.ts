import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startViewer, type Viewer } from '../../cli/view/server.js';
import { tempDir } from '../fixtures/stores.js';
import { makeShopRecording, SPAN_ROOT, TRACE_A, type ShopRecording } from '../fixtures/cliRecordings.js';
import { launchChromium, pageErrors, skipBrowserTests, waitForText, type PageGlobals } from './browser.js';

const value = (path: string) => `[data-path="${path}"] > .row > .value`;
const row = (path: string) => `[data-path="${path}"] > .row`;
/** Waits until the event list shows exactly these seqs (comma-separated). */
const waitForListed = (page: Page, seqs: string) =>
  page.waitForFunction((want) => Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('#events li[data-seq]'), (li) => li.dataset.seq).join() === want, seqs, { timeout: 10_000 });

/**
 * The viewer in a real headless Chromium, on the shop recording of the CLI
 * tests (cart.total: 10 at seq 4, -5 at seq 9, 30 at seq 10; spans POST /cart
 * with its child db.query, GET /late never ended; marker "checkout" at seq 8).
 */
describe.skipIf(skipBrowserTests)('hindsight view in a browser', () => {
  let dir: string;
  let shop: ShopRecording;
  let viewer: Viewer;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    dir = tempDir('hindsight-view-e2e-');
    shop = await makeShopRecording(dir);
    viewer = await startViewer({ dir });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    errors = pageErrors(page);
    await page.goto(viewer.url);
    await waitForText(page, '#position', 'seq 13 / 13');
  });
  afterAll(async () => {
    await browser?.close();
    await viewer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the latest session at its end, with its outline', async () => {
    expect(await page.locator('#session').inputValue()).toBe(shop.shopId);
    expect(await page.locator('#outline').textContent()).toBe('13 events · 3 spans · 1 markers · 0 errors');
    expect(await page.locator(value('cart.total')).textContent()).toBe('30');
    expect(await page.locator('g.span').count()).toBe(3);
  });

  it('scrubs to an instant and shows the value the state had then', async () => {
    await page.locator('#scrubber').fill('9');
    await waitForText(page, '#position', 'seq 9 / 13');
    await waitForText(page, value('cart.total'), '-5');
    expect(await page.locator('#current-event').textContent()).toContain('cart.total = -5 (was 10)');
    expect(new URL(page.url()).searchParams.get('seq')).toBe('9');
  });

  it('steps back with the left arrow and highlights what changed', async () => {
    await page.locator('#position').click();
    await page.keyboard.press('ArrowLeft');
    await waitForText(page, '#position', 'seq 8 / 13');
    await waitForText(page, value('cart.total'), '10');
    expect(await page.locator(row('cart.total')).getAttribute('class')).toContain('change-changed');
    expect(await page.locator(`${row('cart.total')} > .was`).textContent()).toBe('was -5');
    expect(await page.locator(row('cart')).getAttribute('class')).toContain('change-inside');
    expect(await page.locator('#changes li').allTextContents()).toEqual(['~ cart.total: -5 → 10']);
    expect(await page.locator('#compare-label').textContent()).toBe('highlighted: changes since seq 9');
    await page.keyboard.press('ArrowRight');
    await waitForText(page, '#position', 'seq 9 / 13');
  });

  it('compares with a pinned instant instead of the previous step', async () => {
    await page.getByRole('button', { name: 'pin' }).click();
    await page.keyboard.press('ArrowRight');
    await waitForText(page, '#position', 'seq 10 / 13');
    await page.keyboard.press('ArrowRight');
    await waitForText(page, '#position', 'seq 11 / 13');
    expect(await page.locator('#compare-label').textContent()).toBe('highlighted: changes since the pinned seq 9');
    expect(await page.locator(`${row('cart.total')} > .was`).textContent()).toBe('was -5');
    await page.getByRole('button', { name: 'pinned seq 9' }).click();
    await page.locator('#scrubber').fill('9');
    await waitForText(page, '#position', 'seq 9 / 13');
  });

  it('zooms the timeline with the wheel and back to the whole session', async () => {
    const whole = await page.locator('#window-label').textContent();
    const box = (await page.locator('#overview').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction((before) => (globalThis as unknown as PageGlobals).document.querySelector('#window-label')?.textContent !== before, whole);
    expect(await page.locator('#window-label').textContent()).toMatch(/^\+\d/);
    await page.getByRole('button', { name: 'whole session' }).click();
    await waitForText(page, '#window-label', whole!);
  });

  it('switches to another session with the picker', async () => {
    await page.locator('#session').selectOption(shop.otherId);
    await waitForText(page, '#position', 'seq 3 / 3');
    await waitForText(page, value('counter.n'), '2');
    expect(new URL(page.url()).searchParams.get('session')).toBe(shop.otherId);
    await page.locator('#session').selectOption(shop.shopId);
    await waitForText(page, '#position', 'seq 13 / 13');
    await page.locator('#scrubber').fill('9');
    await waitForText(page, '#position', 'seq 9 / 13');
  });

  it('keeps the session and instant in the URL: a link reopens the same view', async () => {
    const url = new URL(page.url());
    expect(url.searchParams.get('session')).toBe(shop.shopId);
    const again = await browser.newPage();
    await again.goto(url.href);
    await waitForText(again, '#position', 'seq 9 / 13');
    await waitForText(again, value('cart.total'), '-5');
    await again.close();
  });

  it('selects a span on click: its details, and the instant it started', async () => {
    await page.locator(`g.span[data-span-id="${SPAN_ROOT}"] > rect`).click();
    await waitForText(page, '#details-title', 'Span POST /cart');
    await waitForText(page, '#position', 'seq 2 / 13');
    const details = await page.locator('#details').textContent();
    expect(details).toContain(TRACE_A);
    expect(details).toContain('seq 7');
    expect(await page.locator(`g.span[data-span-id="${SPAN_ROOT}"]`).getAttribute('class')).toContain('selected');
    await page.getByRole('button', { name: 'jump to end' }).click();
    await waitForText(page, '#position', 'seq 7 / 13');
  });

  it('jumps to an event clicked in the list, and to a marker clicked on the timeline', async () => {
    await page.locator('#events li[data-seq="11"]').click();
    await waitForText(page, '#position', 'seq 11 / 13');
    await page.locator('g.tick-marker .hit').click();
    await waitForText(page, '#position', 'seq 8 / 13');
  });

  it('filters the events by kind and by trace', async () => {
    await page.locator('#kind-filter').selectOption('marker');
    await waitForListed(page, '8');
    await page.locator('#kind-filter').selectOption('');
    await page.locator('#trace-filter').fill(TRACE_A);
    await waitForListed(page, '2,3,4,5,6,7');
    await page.locator('#trace-filter').fill('');
  });

  it('shows the history of a path from its node, and filters the tree by path', async () => {
    await page.locator(row('cart.total')).hover();
    await page.locator(`${row('cart.total')} > .history`).click();
    await waitForText(page, '#details-title', 'History of cart.total');
    expect(await page.locator('#details tr.jump').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-seq')))).toEqual(['1', '4', '9', '10']);
    await page.locator('#path-filter').fill('items');
    await page.waitForSelector(row('cart.total'), { state: 'detached' });
    expect(await page.locator(row('cart.items')).count()).toBe(1);
    await page.locator('#path-filter').fill('');
  });

  it('turns the differences of two states into highlighted nodes and listed changes (Maps by key, arrays by position)', async () => {
    const before = { shop: { stock: { a: 1, b: 2, gone: 0, ['__proto__']: 5 }, carts: { $map: [['ada', { total: 5 }], ['bob', { total: 1 }]] }, tags: { $set: ['x'] }, list: [1, 2, 3], when: { $date: '2024-01-01T00:00:00.000Z' } } };
    const after = { shop: { stock: { a: 1, b: 3, added: 1, ['__proto__']: 6 }, carts: { $map: [['ada', { total: 7 }], ['cy', { total: 2 }]] }, tags: { $set: ['x', 'y'] }, list: [1, 9, 3], when: { $date: '2024-01-02T00:00:00.000Z' } } };
    // A string, not a function: vitest rewrites import() in this file's functions, and the page has no such helper.
    const src = `/static/${viewer.token}/changes.js`;
    const result = (await page.evaluate(`import(${JSON.stringify(src)}).then(({ compare }) => {
      const { nodes, list, count } = compare(JSON.parse(${JSON.stringify(JSON.stringify(before))}), JSON.parse(${JSON.stringify(JSON.stringify(after))}));
      return { nodes: Object.fromEntries([...nodes].map(([k, v]) => [k, v.kind])), list: list.map((c) => c.kind + ' ' + c.path).sort(), count };
    })`)) as { nodes: Record<string, string>; list: string[]; count: number };
    expect(result.list).toEqual(
      ['added shop.carts.cy', 'added shop.stock.added', 'added shop.tags.1', 'changed shop.carts.ada.total', 'changed shop.list.1', 'changed shop.stock.__proto__', 'changed shop.stock.b', 'changed shop.when', 'removed shop.carts.bob', 'removed shop.stock.gone'].sort(),
    );
    expect(result.count).toBe(10);
    expect(result.nodes).toMatchObject({
      '["shop","stock","b"]': 'changed',
      '["shop","stock"]': 'removed',
      '["shop","carts","$map",0,1,"total"]': 'changed',
      '["shop","carts"]': 'removed',
      '["shop","list",1]': 'changed',
      '["shop","when"]': 'changed',
      '["shop","tags","$set",1]': 'added',
    });
  });

  it('raised no error in the page along the way', () => {
    expect(errors).toEqual([]);
  });

  it('refuses a request without the token, from the page as from anywhere else', async () => {
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).fetch('/api/sessions').then((r) => r.status))).toBe(403);
    expect((await fetch(new URL('/', viewer.url))).status).toBe(403);
  });
});
