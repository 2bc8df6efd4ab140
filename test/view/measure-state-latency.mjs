/**
 * Not a test (timings on a shared machine are no assertion): run by hand
 * after `npm run build`, as `node test/view/measure-state-latency.mjs`.
 * Records a 1,000,000-event session (a 10,000-key tracked state, a
 * checkpoint every 10,000 events, a span every 1,000 events, a marker every
 * 100,000), starts the viewer on it, warms it (summary, one state), then
 * times GET /api/state at 50 random instants through HTTP: the state for a
 * new instant once warm. Also times one step back and the summary.
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate, setTimeout } from 'node:timers';
import { Recorder } from '../../dist/instrumentation/Recorder.js';
import { startViewer } from '../../dist/cli/view/server.js';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const KEYS = 10_000;
const PROBES = 50;

let seed = 1;
const rand = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};

async function record(dir) {
  const recorder = await Recorder.open({ dir, name: 'big', snapshots: { automaticInterval: 0, eventInterval: 0, maxSnapshots: 0, maxRetentionTime: 0 } });
  const state = recorder.track('state', Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`k${i}`, 0])));
  let n = 1;
  while (n < EVENTS) {
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

function get(viewer, path) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port: viewer.port, path, headers: { 'x-hindsight-token': viewer.token } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode !== 200) return reject(new Error(`${res.statusCode} ${body}`));
        resolve({ ms: performance.now() - t0, doc: JSON.parse(body), bytes: body.length });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const dir = mkdtempSync(join(tmpdir(), 'hindsight-view-latency-'));
try {
  let t0 = performance.now();
  await record(dir);
  console.log(`recorded ${EVENTS} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const viewer = await startViewer({ dir });
  const { doc: sessions } = await get(viewer, '/api/sessions');
  const session = sessions.default;
  const summary = await get(viewer, `/api/summary?session=${session}&buckets=300`);
  console.log(`summary (first: reads the outline): ${summary.ms.toFixed(0)} ms; ${summary.doc.spanCount} spans, ${summary.doc.markers.length} markers, exact density ${summary.doc.density.exact}`);
  const again = await get(viewer, `/api/summary?session=${session}&buckets=300`);
  console.log(`summary (cached): ${again.ms.toFixed(1)} ms`);
  const last = summary.doc.session.lastSeq;
  // Warm-up: the JIT and the reconstructor's first working state.
  for (let i = 0; i < 5; i++) await get(viewer, `/api/state?session=${session}&seq=${1 + rand(last)}`);
  const times = [];
  let bytes = 0;
  for (let i = 0; i < PROBES; i++) {
    const r = await get(viewer, `/api/state?session=${session}&seq=${1 + rand(last)}`);
    times.push(r.ms);
    bytes = r.bytes;
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log(`state at a new random instant (${PROBES}, HTTP, ${(bytes / 1024).toFixed(0)} KiB each): median ${pct(times, 50).toFixed(1)} ms, p95 ${pct(times, 95).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`);
  const steps = [];
  let seq = Math.floor(last / 2);
  await get(viewer, `/api/state?session=${session}&seq=${seq}`);
  for (let i = 0; i < PROBES; i++) {
    await new Promise((r) => setTimeout(r, 20));
    steps.push((await get(viewer, `/api/state?session=${session}&seq=${--seq}`)).ms);
  }
  console.log(`one step back (${PROBES}): median ${pct(steps, 50).toFixed(1)} ms, p95 ${pct(steps, 95).toFixed(1)} ms`);
  t0 = performance.now();
  const zoom = await get(viewer, `/api/density?session=${session}&from=${summary.doc.from}&to=${summary.doc.from + Math.floor((summary.doc.to - summary.doc.from) / 50)}&buckets=300`);
  const spans = await get(viewer, `/api/spans?session=${session}&from=${summary.doc.from}&to=${summary.doc.to}`);
  console.log(`zoomed density ${zoom.ms.toFixed(1)} ms (exact ${zoom.doc.exact}); spans window ${spans.ms.toFixed(1)} ms (${spans.doc.spans.length} of ${spans.doc.total})`);
  await viewer.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
