import { ErrorCodes, HindsightError } from '../src/errors.js';
import type { HindsightEvent } from '../src/events.js';
import type { EventReader } from '../src/log/EventReader.js';
import { toLive } from '../src/values/toLive.js';
import { applyEvent, ownEvent, revertEvent, revertsExactly, type Reducers } from './replay.js';
import type { TrackedState } from './SnapshotSource.js';
import type { At, StateReconstructor } from './StateReconstructor.js';

/**
 * Steps through a session one event at a time, both ways. It owns a working
 * state: next() applies the next event, prev() reverts the current one with
 * its recorded `prev` values (O(size of the patch), no rematerialization),
 * except for a removal, whose key would come back last in iteration order:
 * that step is rebuilt through the reconstructor, so the state stays exact.
 * The decoded block under the cursor is held, so a step is an array access.
 */
export class Cursor {
  private block: HindsightEvent[] = [];
  private index = -1;

  private constructor(
    private readonly reconstructor: StateReconstructor,
    private readonly reader: EventReader,
    readonly sessionId: string,
    private readonly lastSeq: number,
    private readonly reducers: Reducers | undefined,
    private working: TrackedState,
    private seqNow: number,
  ) {}

  static async open(reconstructor: StateReconstructor, sessionId: string, lastSeq: number, at: At): Promise<Cursor> {
    const r = await reconstructor.reconstruct(sessionId, at);
    const cursor = new Cursor(reconstructor, reconstructor.reader(r.sessionId), r.sessionId, lastSeq, reconstructor.reducers, r.state, r.seq);
    await cursor.load(r.seq);
    return cursor;
  }

  /** Seq of the last event applied (0: before the first event). */
  get seq(): number {
    return this.seqNow;
  }

  /** The event at the cursor (the last one applied), or undefined at the start. */
  get event(): HindsightEvent | undefined {
    return this.index >= 0 ? ownEvent(this.block[this.index]) : undefined;
  }

  /** t of the event at the cursor (undefined at the start). */
  get at(): number | undefined {
    return this.index >= 0 ? this.block[this.index].t : undefined;
  }

  /** The cursor's working state: read it, don't keep it (the next step changes it). */
  get state(): Readonly<TrackedState> {
    return this.working;
  }

  /** A copy of the current state that is the caller's own. */
  stateCopy(): TrackedState {
    return toLive(this.working) as TrackedState;
  }

  /** Applies the next event; returns it, or undefined at the end (the cursor stays). */
  async next(): Promise<HindsightEvent | undefined> {
    if (this.seqNow >= this.lastSeq) return undefined;
    const e = await this.eventAt(this.seqNow + 1);
    if (!e) return undefined;
    this.working = applyEvent(this.working, e, this.reducers);
    this.seqNow = e.seq;
    return ownEvent(e);
  }

  /** Reverts the event at the cursor; returns it, or undefined at the start. */
  async prev(): Promise<HindsightEvent | undefined> {
    if (this.seqNow <= 0) return undefined;
    const e = await this.eventAt(this.seqNow);
    if (!e) return undefined;
    if (!revertsExactly(e, this.reducers) || !revertEvent(this.working, e, this.reducers)) {
      // No exact inverse (a removal's key order, a reducer's effect): rebuild instead.
      await this.seek({ seq: this.seqNow - 1 });
      return ownEvent(e);
    }
    this.seqNow = e.seq - 1;
    await this.eventAt(this.seqNow);
    return ownEvent(e);
  }

  /** Moves to `at` (rebuilding through the reconstructor, which reuses its cache). */
  async seek(at: At): Promise<void> {
    const r = await this.reconstructor.reconstruct(this.sessionId, at);
    this.working = r.state;
    this.seqNow = r.seq;
    await this.load(r.seq);
  }

  /** Positions `block`/`index` on `seq` and returns that event. */
  private async eventAt(seq: number): Promise<HindsightEvent | undefined> {
    if (seq <= 0) {
      this.index = -1;
      return undefined;
    }
    const first = this.block.length ? this.block[0].seq : 0;
    if (!(first && seq >= first && seq < first + this.block.length)) {
      const block = await this.reader.blockOf(seq);
      if (!block) throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `session ${this.sessionId} has no event ${seq}`);
      this.block = block;
    }
    this.index = seq - this.block[0].seq;
    return this.block[this.index];
  }

  private async load(seq: number): Promise<void> {
    if (seq > 0) await this.eventAt(seq);
    else this.index = -1;
  }
}
