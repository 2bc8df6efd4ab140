/**
 * State reconstruction on a recorded session with a 10,000-key tracked state:
 * cold stateAt at random instants (caches cleared), warm stateAt while
 * scrubbing near one point, one step back with a cursor; baselines in the
 * same run: replay from the session start (no snapshots) and full snapshots
 * only (no incrementals, same interval). The full run records 1,000,000
 * events; --quick records 200,000 (reported as reconstruct.events). Then the
 * same session through `hindsight view` (see view.ts).
 */
import { Recorder } from '../instrumentation/Recorder.js';
import { Recording } from '../reconstructor/Recording.js';
import { noSnapshots } from '../reconstructor/SnapshotSource.js';
import { median, percentile, round, withTempDir, yieldToLoop, type BenchOptions, type Figures } from './harness.js';
import { viewerFigures } from './view.js';

const KEYS = 10_000;
const SNAPSHOT_EVERY = 10_000;

function rng(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n) => {
    x = (x + 0x6d2b79f5) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return Math.floor((((z ^ (z >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** Records `events` writes to random keys of a 10k-key object, checkpointing every SNAPSHOT_EVERY events. */
async function recordSession(dir: string, name: string, events: number, incrementalEnabled: boolean): Promise<void> {
  const recorder = await Recorder.open({ dir, name, snapshots: { automaticInterval: 0, eventInterval: 0, incrementalEnabled, maxSnapshots: 0, maxRetentionTime: 0 } });
  const state = recorder.track('state', Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`k${i}`, 0]))) as Record<string, number>;
  const rand = rng(1);
  for (let i = 1; i < events; i++) {
    state[`k${rand(KEYS)}`] = i;
    if (i % SNAPSHOT_EVERY === 0) await recorder.checkpoint();
    else if ((i & 4095) === 0) await yieldToLoop();
  }
  await recorder.snapshots?.idle();
  await recorder.stop();
}

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function runReconstructBench({ quick }: BenchOptions): Promise<Figures> {
  const events = quick ? 200_000 : 1_000_000;
  return withTempDir(async (dir) => {
    await recordSession(dir, 'incremental', events, true);
    await recordSession(dir, 'fulls', events, false);
    const recording = await Recording.open(dir);
    const session = await recording.session('incremental');
    const last = session.info.lastSeq;
    const rand = rng(2);
    const probes = Array.from({ length: quick ? 30 : 100 }, () => 1 + rand(last));

    const fulls = await recording.session('fulls');
    // Interleaved on the same instants, so JIT warm-up and machine noise hit both alike.
    const cold: number[] = [];
    const fullOnly: number[] = [];
    for (const seq of probes) {
      recording.reconstructor.clearCache();
      cold.push(await timeMs(() => session.stateAt({ seq })));
      recording.reconstructor.clearCache();
      fullOnly.push(await timeMs(() => fulls.stateAt({ seq })));
    }

    // Scrubbing: one request per event-loop turn, as a UI callback or an
    // HTTP handler issues them. The copy that keeps the cache independent of
    // the states handed out runs between requests; its cost is reported too.
    const point = probes[0];
    await session.stateAt({ seq: point });
    for (let i = 0; i < 5; i++) await yieldToLoop();
    const warm: number[] = [];
    const requests = quick ? 50 : 200;
    const background0 = recording.reconstructor.backgroundMs;
    for (let i = 0; i < requests; i++) {
      const seq = Math.min(last, Math.max(1, point + rand(401) - 200));
      warm.push(await timeMs(() => session.stateAt({ seq })));
      await yieldToLoop();
    }
    const warmBackground = (recording.reconstructor.backgroundMs - background0) / requests;

    const cursor = await session.cursor({ seq: point });
    const steps: number[] = [];
    for (let i = 0; i < 2000 && cursor.seq > 0; i++) steps.push((await timeMs(() => cursor.prev())) * 1000);

    await recording.close();

    const replayOnly = await Recording.open(dir, { snapshots: () => noSnapshots });
    const fromStart = await replayOnly.session('incremental');
    const replay: number[] = [];
    for (const seq of probes.slice(0, quick ? 3 : 5)) {
      replayOnly.reconstructor.clearCache();
      replay.push(await timeMs(() => fromStart.stateAt({ seq })));
    }
    await replayOnly.close();

    const view = await viewerFigures(dir, 'incremental', probes);

    const coldP50 = median(cold);
    return {
      'reconstruct.events': events,
      'reconstruct.coldP50Ms': round(coldP50),
      'reconstruct.coldP99Ms': round(percentile(cold, 99)),
      'reconstruct.warmP50Ms': round(median(warm), 3),
      'reconstruct.warmBackgroundMs': round(warmBackground, 2),
      'step.prevUs': round(median(steps), 1),
      'baseline.replayFromStart.p50Ms': round(median(replay)),
      'baseline.fullSnapshotsOnly.p50Ms': round(median(fullOnly)),
      'ratio.coldVsReplayFromStart': round(median(replay) / coldP50, 1),
      'ratio.coldVsFullSnapshotsOnly': round(median(fullOnly) / coldP50, 2),
      ...view,
    };
  });
}
