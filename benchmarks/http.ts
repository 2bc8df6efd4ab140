/**
 * What recording costs a traced program.
 *
 * - span.*: one process, the SDK's TracerProvider with a BatchSpanProcessor
 *   and a no-op exporter (what OpenTelemetry users already pay), then the
 *   same plus the RecordingSpanProcessor writing to a disk log. A span is
 *   start, 3 attributes, end; spans come in bursts of 100 with a turn of the
 *   event loop between bursts, as a program serving requests yields between
 *   them. (One synchronous loop of 200,000 spans is no program: the log's
 *   writer could not run until it ended, so all of its work was timed after
 *   the loop, and the BatchSpanProcessor dropped all but ~2,500 spans.) The
 *   hindsight figure includes encoding and the final flush; CPU time of the
 *   whole process (all threads) per span is reported beside wall time.
 *   Alternating rounds, medians.
 * - http.*: three node:http servers on loopback in child processes
 *   (untraced, NodeSDK + http instrumentation + batch/no-op, the same +
 *   hindsight; full runs add a fourth, OTel busy-waiting 2 µs per request,
 *   as a yardstick), started and warmed up once (JIT, connections, the
 *   recorder's worker), then driven in turn by a bounded keep-alive load
 *   loop in this process, in short slices of a rotating order. A server
 *   without load is idle, so each slice measures one server; the ratio is
 *   the median of each rotation's own ratio: slices seconds apart see the
 *   same machine, which a noisy 2-core machine needs far more than long
 *   rounds (with a server spawned and warmed each round, ratios of the
 *   same code ranged 0.75-1.18). The server's CPU time per request (all
 *   its threads) is reported beside.
 */
import { spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { tracing } from '@opentelemetry/sdk-node';
import { openStore } from '../src/store/Store.js';
import { EventLog } from '../src/log/EventLog.js';
import { RecordingSpanProcessor } from '../instrumentation/RecordingSpanProcessor.js';
import { createRedactor } from '../instrumentation/redact.js';
import { httpGet, median, round, stopChild, withTempDir, yieldToLoop, type BenchOptions, type Figures } from './harness.js';

const noopExporter = {
  export: (_spans: unknown, done: (r: { code: number }) => void) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
};

const BURST = 100;

/** Wall time and process CPU time (all threads) per span, in ns. */
interface SpanTiming {
  ns: number;
  cpuNs: number;
}

async function spanRound(processors: tracing.SpanProcessor[], n: number, flush: () => Promise<void>): Promise<SpanTiming> {
  const provider = new tracing.BasicTracerProvider({ spanProcessors: processors });
  const tracer = provider.getTracer('bench');
  await yieldToLoop();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const span = tracer.startSpan('GET /items');
    span.setAttribute('http.method', 'GET');
    span.setAttribute('http.route', '/items/:id');
    span.setAttribute('item.id', i);
    span.end();
    if (i % BURST === BURST - 1) await yieldToLoop();
  }
  await flush();
  const ns = Number(process.hrtime.bigint() - t0) / n;
  const cpu = process.cpuUsage(cpu0);
  await provider.shutdown();
  return { ns, cpuNs: ((cpu.user + cpu.system) * 1000) / n };
}

async function spanBench(quick: boolean): Promise<Figures> {
  const n = quick ? 50_000 : 200_000;
  const rounds = quick ? 5 : 9;
  return withTempDir(async (dir) => {
    const store = await openStore({ dir });
    const log = await EventLog.create(store, { name: 'span-bench' });
    const otel: SpanTiming[] = [];
    const hindsight: SpanTiming[] = [];
    // Round 0 warms both up (V8 compiles the span paths) and is not counted.
    for (let r = -1; r < rounds; r++) {
      const o = await spanRound([new tracing.BatchSpanProcessor(noopExporter as any)], n, async () => {});
      const rec = new RecordingSpanProcessor(log, { redactor: createRedactor(undefined) });
      const h = await spanRound([new tracing.BatchSpanProcessor(noopExporter as any), rec as any], n, () => log.flush());
      if (r < 0) continue;
      otel.push(o);
      hindsight.push(h);
    }
    await log.close();
    await store.close();
    const o = median(otel.map((r) => r.ns));
    const h = median(hindsight.map((r) => r.ns));
    return {
      'span.nsOtelOnly': round(o, 0),
      'span.nsHindsight': round(h, 0),
      'span.nsAdded': round(h - o, 0),
      'span.addedRatio': round((h - o) / o, 2),
      'span.cpuNsOtelOnly': round(median(otel.map((r) => r.cpuNs)), 0),
      'span.cpuNsHindsight': round(median(hindsight.map((r) => r.cpuNs)), 0),
    };
  });
}

type Mode = 'untraced' | 'otel' | 'hindsight' | 'otel-busy';

/**
 * The full run's yardstick: the OpenTelemetry server that also busy-waits
 * this long per request, as if it did that much more work on its main
 * thread. Its ratio to OTel, in the same rotations, tells what a given
 * ratio of hindsight's means in main-thread time on this machine.
 */
const BUSY_US = 2;

/** Child: serve on loopback in `mode`, print the port, run until killed. */
async function serve(mode: Mode, dir: string): Promise<void> {
  if (mode === 'otel' || mode === 'otel-busy') {
    const { NodeSDK } = await import('@opentelemetry/sdk-node');
    const { loadInstrumentations } = await import('../instrumentation/startRecording.js');
    // Traces only, as under hindsight: NodeSDK's default metrics (an OTLP reader, a histogram per request) are no part of either side.
    new NodeSDK({ spanProcessors: [new tracing.BatchSpanProcessor(noopExporter as any)], instrumentations: (await loadInstrumentations(['http'])) as any[], logRecordProcessors: [], metricReaders: [] }).start();
  } else if (mode === 'hindsight') {
    const { startRecording } = await import('../instrumentation/startRecording.js');
    await startRecording({ dir, name: 'http-bench', instrumentations: ['http'], spanProcessors: [new tracing.BatchSpanProcessor(noopExporter as any)] });
  }
  const { track } = await import('../instrumentation/active.js');
  const stats = track('stats', { requests: 0 });
  // After the SDK: the instrumentation patches http when it is loaded through require.
  const http = (await import('node:module')).createRequire(import.meta.url)('node:http') as typeof import('node:http');
  const server = http.createServer((req, res) => {
    if (req.url === '/__cpu') {
      const { user, system } = process.cpuUsage();
      res.end(String(user + system));
      return;
    }
    stats.requests++;
    if (mode === 'otel-busy') busyWait(BUSY_US);
    res.end('ok');
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`port ${(server.address() as { port: number }).port}\n`));
}

function busyWait(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

/** Keep-alive GETs from `concurrency` loops for `ms`: requests done and requests per second. */
async function load(port: number, ms: number, concurrency: number): Promise<{ done: number; rps: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const end = performance.now() + ms;
  let done = 0;
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          await get(port, '/items/1', agent);
          done++;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return { done, rps: done / ((performance.now() - t0) / 1000) };
}

async function get(port: number, path: string, agent?: Agent): Promise<string> {
  return (await httpGet({ host: '127.0.0.1', port, path, agent })).body;
}

interface Served {
  rps: number;
  cpuUsPerRequest: number;
}

interface Server {
  port: number;
  stop(): Promise<void>;
}

async function startServer(mode: Mode, dir: string): Promise<Server> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', mode, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => stopChild(child);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (b) => {
        const m = /port (\d+)/.exec(String(b));
        if (m) resolve(Number(m[1]));
      });
      child.on('error', reject);
      child.on('exit', () => reject(new Error(`server (${mode}) exited early`)));
    });
    return { port, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function slice(server: Server, ms: number): Promise<Served> {
  const cpu0 = Number(await get(server.port, '/__cpu'));
  const { done, rps } = await load(server.port, ms, 8);
  const cpu1 = Number(await get(server.port, '/__cpu'));
  return { rps, cpuUsPerRequest: (cpu1 - cpu0) / done };
}

async function httpBench(quick: boolean): Promise<Figures> {
  // Steady state: for the first ~2 s of load V8 compiles the recorded paths
  // on its helper threads, which on 2 cores slowed the recorded server up to
  // 2x (measured: 2,449 rps in the first 2.2 s, 6,758 rps in the next).
  const warmMs = quick ? 2000 : 3000;
  const sliceMs = quick ? 500 : 1000;
  const rotations = quick ? 9 : 21;
  // The yardstick only in full runs: the quick run must stay under a minute.
  const modes: Mode[] = quick ? ['untraced', 'otel', 'hindsight'] : ['untraced', 'otel', 'hindsight', 'otel-busy'];
  return withTempDir(async (dir) => {
    const servers = new Map<Mode, Server>();
    try {
      for (const mode of modes) servers.set(mode, await startServer(mode, `${dir}/${mode}`));
      for (const mode of modes) await load(servers.get(mode)!.port, warmMs, 8);
      const r: Record<Mode, Served[]> = { untraced: [], otel: [], hindsight: [], 'otel-busy': [] };
      for (let i = 0; i < rotations; i++) {
        for (let k = 0; k < modes.length; k++) {
          const mode = modes[(i + k) % modes.length];
          r[mode].push(await slice(servers.get(mode)!, sliceMs));
        }
      }
      const vsOtel = (m: Mode) => round(median(r[m].map((x, i) => x.rps / r.otel[i].rps)), 3);
      const rps = (m: Mode) => round(median(r[m].map((x) => x.rps)), 0);
      const cpu = (m: Mode) => round(median(r[m].map((x) => x.cpuUsPerRequest)), 1);
      return {
        'http.rpsUntraced': rps('untraced'),
        'http.rpsOtelOnly': rps('otel'),
        'http.rpsHindsight': rps('hindsight'),
        'http.hindsightVsOtel': vsOtel('hindsight'),
        'http.cpuUsPerReqUntraced': cpu('untraced'),
        'http.cpuUsPerReqOtel': cpu('otel'),
        'http.cpuUsPerReqHindsight': cpu('hindsight'),
        ...(quick ? {} : { [`http.otelPlus${BUSY_US}usVsOtel`]: vsOtel('otel-busy'), [`http.cpuUsPerReqOtelPlus${BUSY_US}us`]: cpu('otel-busy') }),
      };
    } finally {
      for (const server of servers.values()) await server.stop();
    }
  });
}

export async function runHttpBench(options: BenchOptions): Promise<Figures> {
  return { ...(await spanBench(options.quick)), ...(await httpBench(options.quick)) };
}

if (process.argv[2] === '--serve') {
  void serve(process.argv[3] as Mode, process.argv[4]);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  runHttpBench({ quick: process.argv.includes('--quick') }).then((f) => {
    process.stdout.write(JSON.stringify({ ...f, seconds: round((performance.now() - started) / 1000, 1) }) + '\n');
  });
}
