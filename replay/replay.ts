/**
 * Regression replay: a recorded session as a test of today's code. Its
 * inputs are its `custom` events; its effects are its tracked state. Today's
 * reducers (or handler) are fed the same inputs, in order, from the same
 * initial state, and the states they reach are compared with the recorded
 * ones at chosen points. One pass over the log: the recorded state is
 * rebuilt from its patches alongside, so a compare point costs one
 * comparison, never a reconstruction.
 */
import type { HindsightEvent } from '../src/events.js';
import { LOG_EVENT_NAMES } from '../src/events.js';
import { ErrorCodes, HindsightError } from '../src/errors.js';
import { SESSION_FORMAT_VERSION, type SessionInfo } from '../src/store/Sessions.js';
import { toLive } from '../src/values/toLive.js';
import { openRecording, type Recording } from '../reconstructor/Recording.js';
import { applyEvent, ownEvent, type Reducers } from '../reconstructor/replay.js';
import type { TrackedState } from '../reconstructor/SnapshotSource.js';
import { StateComparer, type Difference, type Tolerance } from './compare.js';

export type { Reducer, Reducers } from '../reconstructor/replay.js';
export type { Difference, Tolerance } from './compare.js';

/**
 * Today's code, handler style: called with every input event and the
 * current state `{ [trackedName]: value }` (plain objects the handler owns).
 * It may mutate the state, as the program mutated its tracked objects, or
 * return a new one; it may be async.
 */
export type ReplayHandler = (event: HindsightEvent, state: TrackedState) => TrackedState | void | Promise<TrackedState | void>;

/**
 * Where recorded and replayed states are compared:
 * - 'every-event': after each input event, with the recorded state just before
 *   the next input event (the session's last event for the last input): every
 *   effect the program recorded between two inputs belongs to the first.
 * - 'markers': at each `marker` event after the first input, with the inputs
 *   before it replayed.
 * - 'snapshots': at each stored checkpoint of tracked state after the first
 *   input, and at the session's last event (the only point when there is no
 *   checkpoint).
 */
export type CompareMode = 'every-event' | 'markers' | 'snapshots';
export const COMPARE_MODES: readonly CompareMode[] = ['every-event', 'markers', 'snapshots'];

export interface ReplayOptions {
  /** Recording directory (opened read-only, closed at the end); or pass `recording`. */
  dir?: string;
  /** A recording already open (left open). */
  recording?: Recording;
  /** Session id or name; the latest session when omitted. */
  session?: string;
  /** Reducer style: `reducers[event.name](state, event)`; inputs without a reducer leave the state unchanged. */
  reducers?: Reducers;
  handler?: ReplayHandler;
  /** Default 'snapshots'. */
  compare?: CompareMode;
  /** Names of the custom events that are inputs; every custom event when omitted. */
  inputs?: readonly string[];
  /** Dotted paths left out of comparisons (`*`: any one segment, `**`: any number). */
  ignore?: readonly string[];
  /** Numeric difference allowed: absolute, or { absolute, relative }. */
  tolerance?: Tolerance;
  /** Differences listed in a divergence (default 20). */
  maxDifferences?: number;
}

export interface ReplayEventRef {
  seq: number;
  t: number;
  name: string;
  data: unknown;
}

export interface Divergence {
  /** The recorded event whose state was compared (the compare point). */
  seq: number;
  t: number;
  /** What kind of compare point: after an input, a marker, a checkpoint, or the session end. */
  point: { kind: 'event' | 'marker' | 'snapshot' | 'end'; name?: string };
  /** The last input fed before the comparison: the one that triggered the divergence in 'every-event' mode. */
  event: ReplayEventRef;
  differences: Difference[];
}

export interface ReplayResult {
  ok: boolean;
  session: Pick<SessionInfo, 'id' | 'name' | 'status' | 'lastSeq'>;
  compare: CompareMode;
  /** Input events fed to today's code. */
  eventsReplayed: number;
  comparisons: number;
  /** The last recorded seq read (a crashed session stops at its last stored event). */
  lastSeq: number;
  firstDivergence?: Divergence;
  /** True when events were dropped or lost in the recording: its states may lack their changes. */
  incomplete: boolean;
  warnings: string[];
}

/** Feeds a recorded session's inputs to today's code and compares the states reached; stops at the first divergence. */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const apply = validate(options);
  const recording = options.recording ?? (await openRecording(options.dir!));
  try {
    const session = await recording.session(options.session);
    const info = session.info;
    if (info.formatVersion !== SESSION_FORMAT_VERSION) {
      throw new HindsightError(
        ErrorCodes.UNSUPPORTED_FORMAT,
        `session ${info.id} "${info.name}" was recorded with format version ${String(info.formatVersion)}; this hindsight replays version ${SESSION_FORMAT_VERSION} (replay it with the version that recorded it, or record it again)`,
        { sessionId: info.id, formatVersion: info.formatVersion, supported: [SESSION_FORMAT_VERSION] },
      );
    }
    const compare = options.compare ?? 'snapshots';
    const checkpoints = compare === 'snapshots' ? (await recording.reconstructor.snapshots.list(info.id, 1, Number.MAX_SAFE_INTEGER)).map((p) => p.seq) : [];
    const run = new ReplayRun(info, compare, apply, options, checkpoints);
    for await (const e of session.events()) if (!(await run.step(e))) break;
    await run.finish();
    return run.result();
  } finally {
    if (!options.recording) await recording.close();
  }
}

type Apply = (state: TrackedState, event: HindsightEvent) => TrackedState | void | Promise<TrackedState | void>;

function validate(options: ReplayOptions): Apply {
  const fail = (message: string) => new HindsightError(ErrorCodes.INVALID_ARGUMENT, `replay: ${message}`);
  if (!options || typeof options !== 'object') throw fail('options are required');
  if ((options.dir === undefined) === (options.recording === undefined)) throw fail('pass exactly one of dir and recording');
  if ((options.reducers === undefined) === (options.handler === undefined)) throw fail('pass exactly one of reducers and handler');
  if (options.compare !== undefined && !COMPARE_MODES.includes(options.compare)) throw fail(`compare must be one of ${COMPARE_MODES.join(', ')}, got ${JSON.stringify(options.compare)}`);
  for (const p of options.ignore ?? []) if (typeof p !== 'string' || p.length === 0) throw fail(`ignore paths must be non-empty strings, got ${JSON.stringify(p)}`);
  const tol = options.tolerance;
  const nonNegative = (n: unknown) => n === undefined || (typeof n === 'number' && Number.isFinite(n) && n >= 0);
  if (typeof tol === 'number' ? !nonNegative(tol) : tol !== undefined && (typeof tol !== 'object' || !nonNegative(tol.absolute) || !nonNegative(tol.relative))) {
    throw fail(`tolerance must be a finite number >= 0 or { absolute, relative }, got ${JSON.stringify(tol)}`);
  }
  if (options.handler !== undefined) {
    if (typeof options.handler !== 'function') throw fail('handler must be a function');
    const handler = options.handler;
    return (state, event) => handler(event, state);
  }
  const reducers = options.reducers!;
  if (typeof reducers !== 'object' || reducers === null) throw fail('reducers must be an object of functions');
  for (const [name, fn] of Object.entries(reducers)) if (typeof fn !== 'function') throw fail(`reducer ${JSON.stringify(name)} is not a function`);
  return (state, event) => (Object.hasOwn(reducers, event.name) ? reducers[event.name](state, event) : undefined);
}

/** The state of one pass: the recorded state rebuilt from patches, today's state, and the next compare points. */
class ReplayRun {
  private expected: TrackedState = {};
  private actual: TrackedState | undefined;
  private lastInput: HindsightEvent | undefined;
  /** An input was fed and its 'every-event' comparison is still due. */
  private pending = false;
  private nextCheckpoint = 0;
  private readonly comparer: StateComparer;
  private readonly inputs: ReadonlySet<string> | undefined;
  private last: HindsightEvent | undefined;
  private lastCompared = -1;
  private eventsReplayed = 0;
  private comparisons = 0;
  private incomplete = false;
  private readonly warnings: string[] = [];
  private divergence: Divergence | undefined;

  constructor(
    private readonly info: SessionInfo,
    private readonly mode: CompareMode,
    private readonly apply: Apply,
    options: ReplayOptions,
    private readonly checkpoints: number[],
  ) {
    this.comparer = new StateComparer({ ignore: options.ignore, tolerance: options.tolerance, maxDifferences: options.maxDifferences });
    this.inputs = options.inputs ? new Set(options.inputs) : undefined;
  }

  /** One recorded event, in seq order; false once a divergence was found. */
  async step(e: HindsightEvent): Promise<boolean> {
    const prev = this.last;
    if (e.seq !== (prev?.seq ?? 0) + 1) this.lost((prev?.seq ?? 0) + 1, e.seq - 1);
    const input = e.kind === 'custom' && (this.inputs === undefined || this.inputs.has(e.name));
    if (e.kind === 'state.patch') this.expected = applyEvent(this.expected, e, undefined);
    else if (e.kind === 'log' && e.name === LOG_EVENT_NAMES.dropped) this.markIncomplete(`the recorder dropped events before seq ${e.seq}: recorded states after it may lack their changes`);
    this.last = e;
    // A checkpoint at seq c holds the state after event c; an input's own event changes no recorded state.
    while (this.nextCheckpoint < this.checkpoints.length && this.checkpoints[this.nextCheckpoint] <= e.seq) {
      this.nextCheckpoint++;
      if (this.actual && !this.check(e.seq, e.t, { kind: 'snapshot' })) return false;
    }
    if (this.mode === 'markers' && e.kind === 'marker' && this.actual && !this.check(e.seq, e.t, { kind: 'marker', name: e.name })) return false;
    if (!input) return true;
    // The state the program had recorded when this input arrived: compare the previous input's effects.
    if (this.pending && prev && !this.check(prev.seq, prev.t, { kind: 'event' })) return false;
    if (!this.actual) this.actual = toLive(this.expected) as TrackedState;
    let next: TrackedState | void;
    try {
      const out = this.apply(this.actual, ownEvent(e));
      next = isThenable(out) ? await out : out;
    } catch (err) {
      // Today's code throwing is a finding about that code, not about the recording: its own error, with where.
      throw new Error(`replay: today's code threw on input "${e.name}" (seq ${e.seq}): ${String((err as Error)?.message ?? err).split('\n')[0]}`, { cause: err });
    }
    if (next !== undefined) {
      if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `replay: today's code returned ${next === null ? 'null' : Array.isArray(next) ? 'an array' : typeof next} for input "${e.name}" (seq ${e.seq}); return the state object { [trackedName]: value } or nothing`);
      }
      this.actual = next;
    }
    this.lastInput = e;
    this.eventsReplayed++;
    this.pending = this.mode === 'every-event';
    return true;
  }

  async finish(): Promise<void> {
    const last = this.last;
    if (this.divergence || !last || !this.actual) {
      if (!this.actual && last) this.warnings.push(`no input event (${this.inputs ? [...this.inputs].join(', ') : 'custom'}) in session ${this.info.id}: nothing was replayed`);
      return;
    }
    if ((this.pending || this.mode === 'snapshots') && this.lastCompared !== last.seq) this.check(last.seq, last.t, this.pending ? { kind: 'event' } : { kind: 'end' });
    if (this.comparisons === 0) this.warnings.push(`no ${this.mode === 'markers' ? 'marker' : 'compare point'} after the first input: nothing was compared`);
  }

  result(): ReplayResult {
    const { id, name, status, lastSeq } = this.info;
    const res: ReplayResult = {
      ok: this.divergence === undefined,
      session: { id, name, status, lastSeq },
      compare: this.mode,
      eventsReplayed: this.eventsReplayed,
      comparisons: this.comparisons,
      lastSeq: this.last?.seq ?? 0,
      incomplete: this.incomplete,
      warnings: this.warnings,
    };
    if (this.divergence) res.firstDivergence = this.divergence;
    return res;
  }

  /** Compares the recorded state as it stands (after event `seq`, at `t`) with today's; false on a divergence. */
  private check(seq: number, t: number, point: Divergence['point']): boolean {
    this.comparisons++;
    this.pending = false;
    this.lastCompared = seq;
    const differences = this.comparer.compare(this.expected, this.actual!);
    if (differences.length === 0) return true;
    const input = this.lastInput!;
    this.divergence = { seq, t, point, event: { seq: input.seq, t: input.t, name: input.name, data: toLive(input.data) }, differences };
    return false;
  }

  private lost(from: number, to: number): void {
    this.markIncomplete(`events ${from}..${to} are missing from the log: recorded states after them may lack their changes`);
  }

  private markIncomplete(message: string): void {
    this.incomplete = true;
    if (this.warnings.length < 20) this.warnings.push(message);
  }
}

function isThenable(v: unknown): v is Promise<TrackedState | void> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
