/**
 * The process's active recorder, behind the package-root `track` and
 * `record`. Library code can call them unconditionally: with no recorder
 * active they cost a function call and return at once.
 *
 * The hot path swaps functions instead of testing a flag (pino's rule):
 * `activate` installs bound methods, `deactivate` the no-ops.
 */
import type { Recorder } from './Recorder.js';

type TrackFn = <T extends object>(name: string, initial: T) => T;
type RecordFn = (name: string, data?: unknown) => number;

const noopTrack: TrackFn = (_name, initial) => initial;
const noopRecord: RecordFn = () => -1;

// Deliberate module-level state: one active recorder per process.
let current: Recorder | undefined;
let trackImpl: TrackFn = noopTrack;
let recordImpl: RecordFn = noopRecord;
let markImpl: RecordFn = noopRecord;

/** The recorder `track` and `record` write to, if any. */
export function activeRecorder(): Recorder | undefined {
  return current;
}

/** Makes `recorder` the active one (the last activated wins). */
export function activate(recorder: Recorder): void {
  current = recorder;
  trackImpl = (name, initial) => {
    try {
      return recorder.track(name, initial);
    } catch {
      // Tracking refused (stopped recorder, invalid name): the program keeps its object.
      return initial;
    }
  };
  recordImpl = (name, data) => recorder.record(name, data);
  markImpl = (label, data) => recorder.mark(label, data);
}

/** Clears the active recorder if it is `recorder` (or unconditionally without an argument). */
export function deactivate(recorder?: Recorder): void {
  if (recorder !== undefined && recorder !== current) return;
  current = undefined;
  trackImpl = noopTrack;
  recordImpl = noopRecord;
  markImpl = noopRecord;
}

/** Tracks `initial` in the active recorder; without one, returns `initial` itself. */
export function track<T extends object>(name: string, initial: T): T {
  return trackImpl(name, initial);
}

/** A `custom` event in the active recorder; its seq, or -1 when none is active. */
export function record(name: string, data?: unknown): number {
  return recordImpl(name, data);
}

/** A `marker` event in the active recorder; its seq, or -1 when none is active. */
export function mark(label: string, data?: unknown): number {
  return markImpl(label, data);
}
