import { StringTable } from './StringTable.js';

/** A span.end writes up to seven integer slots, the most of any form. */
const INTS_PER_EVENT = 7;
/** A data column's room kept between blocks (a few slots per event of a default block). */
const MAX_KEPT_VALUES = 16_384;
/** The largest workspace kept between blocks (~1.5 MB); a bigger block gets one of its own. */
const MAX_KEPT_SIZE = 16_384;

/**
 * What encoding a block works in: the string table and the integer columns
 * (including the integer slots of span and patch forms: typed, they cost
 * msgpackr one copy instead of a value each, 0.91-0.94x the encoding time
 * on the benchmark mix), reused from block to block. Allocating them per
 * block (typed arrays and a probe table) cost ~5% of encoding on the
 * benchmark mix, A/B in one process. The columns handed to msgpackr are
 * views into these arrays: msgpackr copies their bytes, so nothing outlives
 * packing.
 */
export class Workspace {
  readonly table = new StringTable();
  /** Gaps between event times; an index column per interned field; each event's data form. */
  readonly gap: Float64Array;
  readonly kind: Int32Array;
  readonly name: Int32Array;
  readonly trace: Int32Array;
  readonly span: Int32Array;
  readonly form: Int8Array;
  /** The integer slots of span and patch forms, in event order (up to 7 per event). */
  private readonly ints: Float64Array;
  private readonly ints32: Int32Array;
  private intCount = 0;
  /** Room for a form writer's few values between reading and writing them (cleared after use). */
  readonly scratch: unknown[] = [undefined, undefined, undefined, undefined];
  /** The data column: values written since the last reset, the first `valueCount` slots. */
  private values: unknown[] = [];
  private valueCount = 0;
  /** Some integer slot is outside int32 (a span that started long before the block, say). */
  private wideInts = false;
  private readonly u8: Uint8Array;
  private readonly u16: Uint16Array;
  private readonly u32: Uint32Array;
  private readonly i8: Int8Array[];
  private readonly i16: Int16Array[];

  constructor(readonly size: number) {
    this.gap = new Float64Array(size);
    [this.kind, this.name, this.trace, this.span] = [0, 1, 2, 3].map(() => new Int32Array(size));
    this.form = new Int8Array(size);
    this.ints = new Float64Array(INTS_PER_EVENT * size);
    this.ints32 = new Int32Array(INTS_PER_EVENT * size);
    this.u8 = new Uint8Array(size);
    this.u16 = new Uint16Array(size);
    this.u32 = new Uint32Array(size);
    this.i8 = [0, 1, 2, 3].map(() => new Int8Array(size));
    this.i16 = [0, 1, 2, 3].map(() => new Int16Array(size));
  }

  /** Appends one integer slot (a safe integer). */
  int(v: number): void {
    if ((v | 0) !== v) this.wideInts = true;
    // + 0 makes -0 a plain 0 in either width (msgpack has no -0 either).
    this.ints[this.intCount++] = v + 0;
  }

  /** Appends one value to the data column. */
  value(v: unknown): void {
    this.values[this.valueCount++] = v;
  }

  /**
   * The data column as an array of its own (msgpackr packs an array by its
   * length), allocated once at its final size: growing a fresh array by
   * push cost ~1/4 of what encoding allocated. The workspace lets go of the
   * values, so they die with the block.
   */
  takeValues(): unknown[] {
    const out = this.values.slice(0, this.valueCount);
    this.clearValues();
    return out;
  }

  /** Lets go of the data column's values; after an unusually large block, of its room too. */
  private clearValues(): void {
    if (this.values.length > MAX_KEPT_VALUES) this.values = [];
    else this.values.fill(undefined, 0, this.valueCount);
    this.valueCount = 0;
  }

  /** The integer slots written since the last reset, as 32-bit integers when they all fit. */
  intColumn(): Int32Array | Float64Array {
    const ints = this.ints.subarray(0, this.intCount);
    return this.wideInts ? ints : narrowInto(this.ints32, ints);
  }

  /** Empties the string table and the integer column for the next block. */
  reset(): void {
    this.table.reset();
    this.intCount = 0;
    this.wideInts = false;
    this.clearValues();
  }

  /** The first `n` gaps in the narrowest unsigned width that holds `max`. */
  gaps(n: number, max: number): Uint8Array | Uint16Array | Uint32Array | Float64Array {
    const gaps = this.gap.subarray(0, n);
    if (max <= 0xff) return narrowInto(this.u8, gaps);
    if (max <= 0xffff) return narrowInto(this.u16, gaps);
    // Over an hour between two events needs doubles.
    if (max <= 0xffffffff) return narrowInto(this.u32, gaps);
    return gaps;
  }

  /** The first `n` indexes of column `which` (0 kind, 1 name, 2 trace, 3 span) in the narrowest signed width for `count` strings. */
  indexes(which: 0 | 1 | 2 | 3, n: number, count: number): Int8Array | Int16Array | Int32Array {
    const wide = [this.kind, this.name, this.trace, this.span][which].subarray(0, n);
    if (count <= 0x7f) return narrowInto(this.i8[which], wide);
    if (count <= 0x7fff) return narrowInto(this.i16[which], wide);
    return wide;
  }
}

function narrowInto<T extends Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array>(into: T, from: Float64Array | Int32Array): T {
  into.set(from);
  return into.subarray(0, from.length) as T;
}

let spare: Workspace | undefined;

/**
 * A workspace for a block of `n` events, cleared. One is kept between blocks;
 * a block encoded while another is (an append from a getter during encoding
 * can seal a nested block) gets a fresh one, as does an oversized block.
 */
export function takeWorkspace(n: number): Workspace {
  const ws = spare !== undefined && spare.size >= n ? spare : new Workspace(Math.max(n, 2048));
  spare = undefined;
  ws.reset();
  return ws;
}

/** Returns a workspace once nothing reads its columns any more (after packing). */
export function giveWorkspace(ws: Workspace): void {
  if (ws.size <= MAX_KEPT_SIZE) spare = ws;
}
