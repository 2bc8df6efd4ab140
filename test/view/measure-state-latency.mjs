/**
 * Not a test (timings on a shared machine are no assertion): run by hand
 * after `npm run build`, as `node test/view/measure-state-latency.mjs`.
 * Records a 1,000,000-event session (a 10,000-key tracked state, a
 * checkpoint every 10,000 events, a span every 1,000 events, a marker every
 * 100,000), starts the viewer on it, and times it from a second process (as a
 * browser would be: a client in the server's own process would wait on the
 * server's background work): the summary, then, once warm, GET /api/state at
 * 50 random instants (the state for a new instant) and 50 steps back. Then
 * the same in the page, in headless chromium: scrubbed to 30 random instants,
 * from the scrubber's input to the tree showing that instant (the answer
 * parsed, diffed with jsondiffpatch against the previous state, rendered).
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const KEYS = 10_000;
const PROBES = 50;

let seed = 1;
const rand = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};

async function record(dir, events) {
  const { Recorder } = await import('../../dist/instrumentation/Recorder.js');
  const recorder = await Recorder.open({ dir, name: 'big', snapshots: { automaticInterval: 0, eventInterval: 0, maxSnapshots: 0, maxRetentionTime: 0 } });
  const state = recorder.track('state', Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`k${i}`, 0])));
  let n = 1;
  while (n < events) {
    if (n % 1000 === 0) {
      const traceId = n.toString(16).padStart(32, '0');
      recorder.log.append({ kind: 'span.start', name: 'job', traceId, spanId: '1'.repeat(16), data: { parentSpanId: undefined } });
      state[`k${rand(KEYS)}`] = n;
      recorder.log.append({ kind: 'span.end', name: 'job', traceId, spanId: '1'.repeat(16), data: { kind: 0, status: { code: 0 } } });
      n += 3;
    } else {
      state[`k${rand(KEYS)}`] = n;
      n += 1;
    }
    if (n % 100_000 === 0) recorder.mark(`m${n}`);
    if (n % 10_000 === 0) await recorder.checkpoint();
    else if ((n & 4095) === 0) await new Promise((r) => setImmediate(r));
  }
  await recorder.snapshots?.idle();
  await recorder.stop();
}

function get(url, path) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(new URL(path, url), { headers: { 'x-hindsight-token': new URL(url).searchParams.get('token') } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode !== 200) return reject(new Error(`${res.statusCode} ${body}`));
        const doc = JSON.parse(body);
        resolve({ ms: performance.now() - t0, doc, bytes: body.length });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))].toFixed(1);
const pause = () => new Promise((r) => setTimeout(r, 100));

/** The client side, in its own process: times include parsing the answer, as the page does. */
async function client(url) {
  const { doc: sessions } = await get(url, '/api/sessions');
  const session = sessions.default;
  const summary = await get(url, `/api/summary?session=${session}&buckets=300`);
  const info = summary.doc.session;
  console.log(`session: ${info.eventCount} events (${info.dropped} dropped)`);
  console.log(`summary, first (reads the outline): ${summary.ms.toFixed(0)} ms; ${summary.doc.spanCount} spans, ${summary.doc.markers.length} markers`);
  console.log(`summary, cached: ${(await get(url, `/api/summary?session=${session}&buckets=300`)).ms.toFixed(1)} ms`);
  const last = info.lastSeq;
  // Warm-up: the JIT and the reconstructor's first working states.
  for (let i = 0; i < 5; i++) await get(url, `/api/state?session=${session}&seq=${1 + rand(last)}`);
  const jumps = [];
  let bytes = 0;
  for (let i = 0; i < PROBES; i++) {
    await pause();
    const r = await get(url, `/api/state?session=${session}&seq=${1 + rand(last)}`);
    jumps.push(r.ms);
    bytes = r.bytes;
  }
  console.log(`state at a new random instant (${PROBES}, ${(bytes / 1024).toFixed(0)} KiB each): median ${pct(jumps, 50)} ms, p95 ${pct(jumps, 95)} ms`);
  const steps = [];
  let seq = Math.floor(last / 2);
  await get(url, `/api/state?session=${session}&seq=${seq}`);
  for (let i = 0; i < PROBES; i++) {
    await pause();
    steps.push((await get(url, `/api/state?session=${session}&seq=${--seq}`)).ms);
  }
  console.log(`one step back (${PROBES}): median ${pct(steps, 50)} ms, p95 ${pct(steps, 95)} ms`);
  const { from, to } = summary.doc;
  const zoom = await get(url, `/api/density?session=${session}&from=${from}&to=${from + Math.floor((to - from) / 50)}&buckets=300`);
  const spans = await get(url, `/api/spans?session=${session}&from=${from}&to=${to}`);
  console.log(`zoomed density ${zoom.ms.toFixed(1)} ms (exact: ${zoom.doc.exact}); spans of the whole session ${spans.ms.toFixed(1)} ms (${spans.doc.spans.length} of ${spans.doc.total})`);
  await inBrowser(url, last);
}

/** In the page: the scrubber set to a random seq, timed until the position and the tree show it. */
async function inBrowser(url, last) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url);
  await page.waitForFunction((want) => globalThis.document.querySelector('#position')?.textContent === want, `seq ${last} / ${last}`, { timeout: 60_000 });
  const times = [];
  for (let i = 0; i < 35; i++) {
    const seq = 1 + rand(last);
    const ms = await page.evaluate(
      ([s, want]) =>
        new Promise((resolve) => {
          const doc = globalThis.document;
          const scrubber = doc.querySelector('#scrubber');
          const t0 = globalThis.performance.now();
          const done = new globalThis.MutationObserver(() => {
            if (doc.querySelector('#position').textContent !== want) return;
            done.disconnect();
            // The tree is rendered in the same task as the position: the next frame shows both.
            globalThis.requestAnimationFrame(() => resolve(globalThis.performance.now() - t0));
          });
          done.observe(doc.querySelector('#position'), { childList: true, characterData: true, subtree: true });
          scrubber.value = String(s);
          scrubber.dispatchEvent(new globalThis.Event('input'));
        }),
      [seq, `seq ${seq} / ${last}`],
    );
    if (i >= 5) times.push(ms);
    await pause();
  }
  console.log(`in the page, scrubbed to a new random instant (${times.length}, after 5 warm-up): median ${pct(times, 50)} ms, p95 ${pct(times, 95)} ms`);
  await browser.close();
}

if (process.argv[2] === '--client') {
  await client(process.argv[3]);
} else {
  const events = Number(process.argv[2] ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'hindsight-view-latency-'));
  try {
    const t0 = performance.now();
    await record(dir, events);
    console.log(`recorded ${events} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const { startViewer } = await import('../../dist/cli/view/server.js');
    const viewer = await startViewer({ dir });
    // The client must not share this event loop: run it asynchronously beside the server.
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--client', viewer.url], { stdio: 'inherit' });
    await new Promise((resolve) => child.on('exit', resolve));
    await viewer.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
