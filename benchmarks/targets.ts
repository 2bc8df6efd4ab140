import type { Figures } from './harness.js';

/** The figures each issue asks for, checked against the same run's baselines. */
export const TARGETS: Record<string, { text: string; met: (v: number, all: Figures) => boolean }> = {
  'append.nsPerEvent': { text: '<= 400 ns', met: (v) => v <= 400 },
  'ingest.eventsPerSec': {
    text: '>= 1,000,000/s and >= 3x perEventPut',
    met: (v, all) => v >= 1_000_000 && v >= 3 * all['baseline.perEventPut.eventsPerSec'],
  },
  'ingest.bytesPerEvent': { text: '<= 30', met: (v) => v <= 30 },
  'snapshot.incrementalPauseMs': {
    text: '<= 1 ms and >= 100x below jsonGzipFull',
    met: (v, all) => v <= 1 && v * 100 <= all['baseline.jsonGzipFull.ms'],
  },
  'tracked.writeNs': { text: '<= 300 ns', met: (v) => v <= 300 },
  'reconstruct.coldP50Ms': { text: '<= 20 ms', met: (v) => v <= 20 },
  'reconstruct.coldP99Ms': { text: '<= 50 ms', met: (v) => v <= 50 },
  'reconstruct.warmP50Ms': { text: '<= 1 ms', met: (v) => v <= 1 },
  'step.prevUs': { text: '<= 50 µs', met: (v) => v <= 50 },
  'view.stateP95Ms': { text: '<= 100 ms (HTTP, warm)', met: (v) => v <= 100 },
  'span.nsHindsight': {
    text: 'added cost <= 0.5x OTel SDK span',
    met: (v, all) => v - all['span.nsOtelOnly'] <= 0.5 * all['span.nsOtelOnly'],
  },
  'http.hindsightVsOtel': { text: '>= 0.95 (rpsHindsight / rpsOtelOnly, paired slices)', met: (v) => v >= 0.95 },
};
