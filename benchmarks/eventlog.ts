import { gzipSync } from 'node:zlib';
import { ClassicLevel } from 'classic-level';
import type { EventInput } from '../src/events.js';
import { AnchoredClock } from '../src/Clock.js';
import { EventLog } from '../src/log/EventLog.js';
import { openStore } from '../src/store/Store.js';
import { dirBytes, medianOf, round, withTempDir, yieldToLoop, type BenchOptions, type Figures } from './harness.js';
import { makeWorkload } from './workload.js';

/** LevelDB settles: reopening turns the write-ahead log into tables, compaction packs them. */
async function settledBytes(dir: string): Promise<number> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  await db.compactRange(Buffer.from([0]), Buffer.from([0xff]));
  await db.close();
  return dirBytes(dir);
}

/** Caller-thread ns per append, including the block encoding the log does on that thread. */
async function appendNs(workload: EventInput[]): Promise<number> {
  const store = await openStore({ memory: true });
  const log = await EventLog.create(store, { maxPendingEvents: workload.length + 1 });
  const chunk = 10_000;
  let appendMs = 0;
  let encodeInsideMs = 0;
  for (let i = 0; i < workload.length; i += chunk) {
    const end = Math.min(workload.length, i + chunk);
    const encodeBefore = log.stats().encodeMs;
    const t0 = performance.now();
    for (let j = i; j < end; j++) log.append(workload[j]);
    appendMs += performance.now() - t0;
    encodeInsideMs += log.stats().encodeMs - encodeBefore;
    await yieldToLoop();
  }
  await log.close();
  // Blocks sealed by a full block are encoded inside append (already timed);
  // blocks sealed by the flush timer or close() are encoded outside: add those.
  const ns = ((appendMs + log.stats().encodeMs - encodeInsideMs) * 1e6) / workload.length;
  await store.close();
  return ns;
}

/** Sustained events/s to disk, flushes included, and settled bytes per event. */
async function ingest(workload: EventInput[]): Promise<{ eventsPerSec: number; bytesPerEvent: number }> {
  return withTempDir(async (dir) => {
    const store = await openStore({ dir });
    const log = await EventLog.create(store);
    const t0 = performance.now();
    for (let i = 0; i < workload.length; i++) {
      log.append(workload[i]);
      // A real program yields to its event loop; let the writer run.
      if ((i & 8191) === 8191) await yieldToLoop();
    }
    await log.close();
    const ms = performance.now() - t0;
    if (log.stats().dropped) throw new Error(`ingest dropped ${log.stats().dropped} events`);
    await store.close();
    return { eventsPerSec: workload.length / (ms / 1000), bytesPerEvent: (await settledBytes(dir)) / workload.length };
  });
}

/** Baseline: one awaited LevelDB put per JSON-encoded event (the naive recorder). */
async function perEventPut(workload: EventInput[]): Promise<number> {
  return withTempDir(async (dir) => {
    const db = new ClassicLevel(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.open();
    const clock = new AnchoredClock();
    const t0 = performance.now();
    for (let i = 0; i < workload.length; i++) {
      await db.put(`e!${String(i).padStart(12, '0')}`, JSON.stringify({ seq: i + 1, t: clock.nowUs(), ...workload[i] }));
    }
    const ms = performance.now() - t0;
    await db.close();
    return workload.length / (ms / 1000);
  });
}

/** Baseline: JSON rows, gzip above 1 KB, batched by 1,000 (the Claude Flow tracing storage approach). */
async function jsonGzipRows(workload: EventInput[]): Promise<{ eventsPerSec: number; bytesPerEvent: number }> {
  return withTempDir(async (dir) => {
    const db = new ClassicLevel<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
    await db.open();
    const clock = new AnchoredClock();
    const t0 = performance.now();
    for (let i = 0; i < workload.length; i += 1000) {
      const ops = [];
      for (let j = i; j < Math.min(workload.length, i + 1000); j++) {
        const json = Buffer.from(JSON.stringify({ seq: j + 1, t: clock.nowUs(), ...workload[j] }));
        ops.push({ type: 'put' as const, key: `e!${String(j).padStart(12, '0')}`, value: json.length > 1024 ? gzipSync(json) : json });
      }
      await db.batch(ops);
    }
    const ms = performance.now() - t0;
    await db.close();
    return { eventsPerSec: workload.length / (ms / 1000), bytesPerEvent: (await settledBytes(dir)) / workload.length };
  });
}

export async function runEventLogBench({ quick }: BenchOptions): Promise<Figures> {
  const runs = quick ? 3 : 5;
  const workload = makeWorkload(quick ? 300_000 : 1_000_000);
  const baselineWorkload = workload.slice(0, quick ? 5_000 : 20_000);
  const appendLoad = workload.slice(0, quick ? 200_000 : 500_000);
  // Warm-up: msgpackr's pack() reaches its optimized tier only after a few hundred thousand events.
  await appendNs(appendLoad);
  const append = await medianOf(runs, () => appendNs(appendLoad));
  const ingests = [];
  for (let i = 0; i < runs; i++) ingests.push(await ingest(workload));
  const ingestRate = ingests.map((r) => r.eventsPerSec).sort((a, b) => a - b)[runs >> 1];
  const bytes = ingests.map((r) => r.bytesPerEvent).sort((a, b) => a - b)[runs >> 1];
  const putRate = await medianOf(runs, () => perEventPut(baselineWorkload));
  const rows = [];
  for (let i = 0; i < runs; i++) rows.push(await jsonGzipRows(workload.slice(0, quick ? 100_000 : 300_000)));
  const rowsRate = rows.map((r) => r.eventsPerSec).sort((a, b) => a - b)[runs >> 1];
  const rowsBytes = rows.map((r) => r.bytesPerEvent).sort((a, b) => a - b)[runs >> 1];
  return {
    'append.nsPerEvent': round(append, 1),
    'ingest.eventsPerSec': Math.round(ingestRate),
    'ingest.bytesPerEvent': round(bytes, 2),
    'baseline.perEventPut.eventsPerSec': Math.round(putRate),
    'baseline.jsonGzipRows.eventsPerSec': Math.round(rowsRate),
    'baseline.jsonGzipRows.bytesPerEvent': round(rowsBytes, 2),
    'ratio.ingestVsPerEventPut': round(ingestRate / putRate, 1),
    'ratio.ingestVsJsonGzipRows': round(ingestRate / rowsRate, 2),
    'ratio.bytesVsJsonGzipRows': round(bytes / rowsBytes, 3),
  };
}
