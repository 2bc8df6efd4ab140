/**
 * Snapshot checkpoints of a 1,000,000-key tracked state, against what users
 * would otherwise do (JSON.stringify + gzip of the whole state, or a deep
 * diff to find what changed), measured in the same run.
 *
 * - snapshot.incrementalPauseMs: program-thread time of one checkpoint after
 *   100 changed keys (takeDirty + readPaths + pack + lz4 + seal: the
 *   snapshot's own creationMs), median of several.
 * - snapshot.fullPauseMs: the longest program-thread stall while a full of the
 *   same state is produced (an incremental promoted by the fold worker),
 *   measured as the largest gap between setImmediate ticks during the fold.
 * - tracked.writeNs / plain.writeNs: one top-level property write through the
 *   tracker (patch event appended to the EventLog) vs on the raw object.
 */
import { gzipSync } from 'node:zlib';
import { EventLog } from '../src/log/EventLog.js';
import { openStore } from '../src/store/Store.js';
import { StateTracker } from '../src/tracking/Tracker.js';
import { SnapshotManager } from '../src/snapshots/SnapshotManager.js';
import { diffStates } from '../src/snapshots/structuralDiff.js';
import { median, round, withTempDir, yieldToLoop, type BenchOptions, type Figures } from './harness.js';

/**
 * 1,000,000 leaf keys as 10,000 entities of 100 fields: the shape real state
 * has. (A flat 1M-key object puts V8 in dictionary mode, where Object.keys
 * alone takes ~0.4 s and msgpackr records ~2.5 s per pack; measured there:
 * incremental pause ~0.65 ms, fold stall ~55-100 ms, JSON+gzip ~1.3-1.7 s.)
 */
const ENTITIES = 10_000;
const FIELDS = 100;
const CHANGED = 100;

type Big = Record<string, Record<string, number>>;

function bigState(): Big {
  const o: Big = {};
  for (let e = 0; e < ENTITIES; e++) {
    const fields: Record<string, number> = {};
    for (let f = 0; f < FIELDS; f++) fields[`f${f}`] = e * FIELDS + f;
    o[`e${e}`] = fields;
  }
  return o;
}

/** The i-th of the 100 keys a round changes: spread over the whole state. */
function changedKey(i: number, round: number): [string, string] {
  const n = (i * 9973 + round * 131) % (ENTITIES * FIELDS);
  return [`e${Math.floor(n / FIELDS)}`, `f${n % FIELDS}`];
}

/** Largest event-loop stall (ms) while `work` runs: what the program would feel. */
async function maxStallMs(work: Promise<unknown>): Promise<number> {
  let done = false;
  let max = 0;
  let last = performance.now();
  void work.finally(() => (done = true));
  while (!done) {
    await new Promise((r) => setImmediate(r));
    const now = performance.now();
    max = Math.max(max, now - last);
    last = now;
  }
  await work;
  return max;
}

function writeNs(target: Record<string, number>, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) target.k5 = i;
  return ((performance.now() - t0) * 1e6) / n;
}

/** Tracked vs plain top-level writes, on a small state with its own log (the writer runs between chunks). */
async function writeFigures(writes: number): Promise<{ trackedNs: number; plainNs: number }> {
  const store = await openStore({ memory: true });
  const log = await EventLog.create(store, { maxPendingEvents: writes * 4 });
  const tracker = new StateTracker(log, { activeContext: () => undefined });
  const init = () => Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i])) as Record<string, number>;
  const tracked = tracker.track('small', init());
  const plain = init();
  const measure = async (target: Record<string, number>) => {
    const chunks: number[] = [];
    for (let done = 0; done < writes; done += 10_000) {
      chunks.push(writeNs(target, 10_000));
      await yieldToLoop();
    }
    return median(chunks);
  };
  await measure(tracked);
  await measure(plain);
  const trackedNs = median([await measure(tracked), await measure(tracked), await measure(tracked)]);
  const plainNs = median([await measure(plain), await measure(plain), await measure(plain)]);
  await log.close();
  await store.close();
  return { trackedNs, plainNs };
}

export async function runSnapshotBench({ quick }: BenchOptions): Promise<Figures> {
  const { trackedNs, plainNs } = await writeFigures(quick ? 100_000 : 500_000);
  return withTempDir(async (dir) => ({ ...(await checkpointFigures(dir, quick)), 'tracked.writeNs': round(trackedNs, 1), 'plain.writeNs': round(plainNs, 2) }));
}

async function checkpointFigures(dir: string, quick: boolean): Promise<Figures> {
  const store = await openStore({ dir });
  const log = await EventLog.create(store, { maxPendingEvents: 1_000_000 });
  const tracker = new StateTracker(log, { activeContext: () => undefined });
  const state = tracker.track('state', bigState());
  const rounds = quick ? 5 : 9;
  // The last incremental of the run ends a chain: it is promoted to a full by the fold worker.
  const manager = new SnapshotManager({ store, storageType: 'disk', maxIncrementalChain: rounds, automaticInterval: 0, maxSnapshots: 0, maxRetentionTime: 0 });
  await manager.attachTracker(log.sessionId, tracker, log);
  // The tracker's first event holds a copy of the whole initial value: write it before measuring.
  await log.flush();

  const pauses: number[] = [];
  let fullPauseMs = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < CHANGED; i++) {
      const [e, f] = changedKey(i, r);
      state[e][f] = -r - i;
    }
    await log.flush();
    const id = await manager.checkpoint(log.sessionId);
    pauses.push(manager.getMetadata(id!)!.creationMs);
    // A promotion (when this checkpoint ended a chain) runs now: measure what the program thread feels.
    fullPauseMs = Math.max(fullPauseMs, await maxStallMs(manager.idle()));
  }
  const promoted = (await manager.searchSnapshots({ sessionId: log.sessionId, type: 'full' })).length;
  if (promoted < 2) throw new Error('snapshot bench: no full was folded');

  // Baselines on the same state, same run.
  const raw = tracker.raw('state') as Big;
  const t0 = performance.now();
  gzipSync(JSON.stringify(raw));
  const jsonGzipMs = performance.now() - t0;
  const before = structuredClone(raw);
  for (let i = 0; i < CHANGED; i++) {
    const [e, f] = changedKey(i, 1000);
    before[e][f] = 0.5;
  }
  const t1 = performance.now();
  const ops = diffStates(before, raw);
  const deepDiffMs = performance.now() - t1;
  if (ops.length !== CHANGED) throw new Error(`snapshot bench: deep diff found ${ops.length} changes`);

  await manager.shutdown();
  await log.close();
  await store.close();
  return {
    'snapshot.incrementalPauseMs': round(median(pauses), 3),
    'snapshot.fullPauseMs': round(fullPauseMs, 2),
    'baseline.jsonGzipFull.ms': round(jsonGzipMs, 1),
    'baseline.deepDiff.ms': round(deepDiffMs, 1),
  };
}
