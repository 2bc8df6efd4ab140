import type { EventInput } from '../events.js';

/** A block taken from the open one: its events, their times (a view of the first `count`), and the arrays they live in. */
export interface TakenBlock {
  events: EventInput[];
  times: Float64Array;
  arrays: BlockArrays;
}

interface BlockArrays {
  events: EventInput[];
  times: Float64Array;
}

/** A copy of `a` with twice the room (at least 16: the arrays of a cleared block are empty). */
function grown(a: Float64Array): Float64Array {
  const b = new Float64Array(Math.max(16, a.length * 2));
  b.set(a);
  return b;
}

/**
 * A log's open block: the events appended since it was last taken, and
 * their times. Two sets of arrays take turns (one fills while the other's
 * block is packed, or waits as spare), so appending allocates nothing:
 * array growth was ~1/4 of what the append path allocated, and garbage
 * collection ~1/5 of its time.
 */
export class OpenBlock {
  count = 0;
  private events: EventInput[];
  private times: Float64Array;
  private spare: BlockArrays | undefined;
  /** Room up front; a huge blockEvents grows into it (V8 keeps arrays over 100,000 preallocated slots as dictionaries). */
  private readonly room: number;

  constructor(blockEvents: number) {
    this.room = Math.min(blockEvents, 65_536);
    ({ events: this.events, times: this.times } = this.fresh());
  }

  /** Stores one event and its time; returns how many the block holds now. */
  push(input: EventInput, t: number): number {
    // Full before the block is: a blockEvents above the room, or appends made while a block is packed (which defers taking).
    if (this.count === this.times.length) this.times = grown(this.times);
    this.events[this.count] = input;
    this.times[this.count] = t;
    return ++this.count;
  }

  /** Hands the block over and opens an empty one in the other arrays; `done` gives the arrays back. */
  take(): TakenBlock {
    const arrays = { events: this.events, times: this.times };
    const taken = { events: this.events, times: this.times.subarray(0, this.count), arrays };
    const next = this.spare ?? this.fresh();
    this.spare = undefined;
    this.events = next.events;
    this.times = next.times;
    this.count = 0;
    return taken;
  }

  /** The taken block is packed: its events are let go (they die young), and its arrays kept unless a burst grew them. */
  done({ events, times, arrays }: TakenBlock): void {
    events.fill(undefined as unknown as EventInput, 0, times.length);
    if (arrays.times.length === this.room && arrays.events.length === this.room) this.spare = arrays;
  }

  /** Lets go of the arrays (a closed log: its object may outlive its session). */
  clear(): void {
    this.spare = undefined;
    this.events = [];
    this.times = new Float64Array(0);
    this.count = 0;
  }

  private fresh(): BlockArrays {
    return { events: new Array<EventInput>(this.room), times: new Float64Array(this.room) };
  }
}
