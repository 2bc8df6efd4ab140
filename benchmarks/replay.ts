/**
 * Regression replay on a recorded event-sourced session: half the events
 * are inputs (`custom`), half the state patches their reducer made to a
 * 100-key counter object, with a checkpoint every 10,000 events. Replayed
 * with the same reducer, comparing after every input ('every-event', the
 * costliest mode) and at checkpoints only ('snapshots'). Baseline in the
 * same run: reading the session's events and nothing else. The full run
 * records 1,000,000 events; --quick records 200,000 (replay.events).
 */
import { Recorder } from '../instrumentation/Recorder.js';
import { Recording } from '../reconstructor/Recording.js';
import type { HindsightEvent } from '../src/events.js';
import { replay, type Reducers } from '../replay/replay.js';
import { round, withTempDir, yieldToLoop, type BenchOptions, type Figures } from './harness.js';

const KEYS = 100;
const SNAPSHOT_EVERY = 10_000;

type Counters = { counters: Record<string, number>; total: number };

const reducers: Reducers = {
  add: (state, e: HindsightEvent) => {
    const s = state.counters as Counters;
    const { k, by } = e.data as { k: number; by: number };
    s.counters[`k${k}`] += by;
  },
};

async function recordSession(dir: string, events: number): Promise<void> {
  const recorder = await Recorder.open({ dir, name: 'replay', snapshots: { automaticInterval: 0, eventInterval: 0, foldInWorker: false, maxSnapshots: 0, maxRetentionTime: 0 } });
  const counters = recorder.track('counters', { counters: Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`k${i}`, 0])), total: 0 } as Counters);
  const state = { counters };
  for (let i = 1; i < events; i += 2) {
    const data = { k: (i * 7919) % KEYS, by: i & 7 };
    const seq = recorder.record('add', data);
    reducers.add(state, { seq, t: 0, kind: 'custom', name: 'add', data });
    if ((i + 1) % SNAPSHOT_EVERY === 0) await recorder.checkpoint();
    else if ((i & 4095) === 1) await yieldToLoop();
  }
  await recorder.snapshots?.idle();
  await recorder.stop();
}

export async function runReplayBench({ quick }: BenchOptions): Promise<Figures> {
  const events = quick ? 200_000 : 1_000_000;
  return withTempDir(async (dir) => {
    await recordSession(dir, events);
    const recording = await Recording.open(dir);
    try {
      const session = await recording.session('replay');
      const total = session.info.lastSeq;
      let t0 = performance.now();
      let read = 0;
      for await (const _e of session.events()) read++;
      const readMs = performance.now() - t0;

      t0 = performance.now();
      const every = await replay({ recording, reducers, compare: 'every-event' });
      const everyMs = performance.now() - t0;
      t0 = performance.now();
      const snaps = await replay({ recording, reducers, compare: 'snapshots' });
      const snapsMs = performance.now() - t0;
      if (!every.ok || !snaps.ok || read !== total) throw new Error(`replay bench: unexpected result ${JSON.stringify({ every: every.ok, snaps: snaps.ok, read, total })}`);

      const perSec = (ms: number) => Math.round(total / (ms / 1000));
      return {
        'replay.events': total,
        'replay.inputs': every.eventsReplayed,
        'replay.eventsPerSec': perSec(everyMs),
        'replay.snapshotsMode.eventsPerSec': perSec(snapsMs),
        'replay.readOnly.eventsPerSec': perSec(readMs),
        /** How much slower than just reading the log a full every-event replay is. */
        'replay.overReadRatio': round(everyMs / readMs),
      };
    } finally {
      await recording.close();
    }
  });
}
