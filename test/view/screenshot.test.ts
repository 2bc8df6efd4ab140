import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { openRecording, type Recording } from '../../reconstructor/Recording.js';
import { startViewer, type Viewer } from '../../cli/view/server.js';
import { scratchDirs } from '../fixtures/stores.js';
import { launchChromium, pageErrors, skipBrowserTests, waitForText } from './browser.js';

const DEMO = new URL('../../dist/examples/demo.js', import.meta.url).pathname;
const README_SHOT = new URL('../../docs/viewer.png', import.meta.url).pathname;
const dir = scratchDirs();

/**
 * The README's picture of the viewer, on the demo recording: the instant the
 * stock went negative, the change highlighted, the request behind it
 * selected. It replaces docs/viewer.png only when asked
 * (HINDSIGHT_UPDATE_SCREENSHOT=1) or when there is none: every run records a
 * new session (new ids and times), and a test run should not leave the
 * working tree changed.
 */
describe.skipIf(skipBrowserTests)('the README screenshot', () => {
  let browser: Browser | undefined;
  let viewer: Viewer | undefined;
  let recording: Recording | undefined;
  afterAll(async () => {
    await browser?.close();
    await viewer?.close();
    await recording?.close();
  });

  it('shows the demo recording at the first negative stock, with the checkout that did it', async () => {
    const cwd = dir();
    const demo = spawnSync(process.execPath, [DEMO], { cwd, encoding: 'utf8', timeout: 60_000 });
    expect(demo.status, demo.stderr).toBe(0);
    recording = await openRecording(join(cwd, '.hindsight-demo'));
    const session = await recording.session('shop-demo');
    const negative = await session.findFirst((s) => Object.values((s.shop as { inventory: Record<string, number> } | undefined)?.inventory ?? {}).some((n) => n < 0), { mode: 'exhaustive' });
    expect(negative).toBeDefined();
    viewer = await startViewer({ recording });
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = pageErrors(page);
    await page.goto(viewer.url);
    await waitForText(page, '#position', `seq ${session.info.lastSeq} / ${session.info.lastSeq}`);

    // The server span of the checkout that made the stock negative (the child of fetch's client span).
    const span = page.locator(`g.span[data-span-id="${negative!.event!.spanId}"] > rect`);
    await span.click();
    await waitForText(page, '#details-title', 'Span POST /checkout/linus');
    await page.locator('#scrubber').fill(String(negative!.seq - 1));
    await waitForText(page, '#position', `seq ${negative!.seq - 1} / ${session.info.lastSeq}`);
    await page.locator('#position').click();
    await page.keyboard.press('ArrowRight');
    await waitForText(page, '#position', `seq ${negative!.seq} / ${session.info.lastSeq}`);
    await waitForText(page, '[data-path="shop.inventory.widget"] > .row > .value', '-1');
    expect(await page.locator('[data-path="shop.inventory.widget"] > .row').getAttribute('class')).toContain('change-changed');

    const update = process.env.HINDSIGHT_UPDATE_SCREENSHOT === '1' || !existsSync(README_SHOT);
    const path = update ? README_SHOT : join(dir(), 'viewer.png');
    await page.screenshot({ path });
    const png = readFileSync(path);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1400, 900]);
    expect(errors).toEqual([]);
  });
});
