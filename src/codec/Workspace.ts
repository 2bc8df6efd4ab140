import { StringTable } from './StringTable.js';

/**
 * What encoding a block works in: the string table and the integer columns,
 * reused from block to block. Allocating them per block (seven typed arrays
 * and a probe table) cost ~5% of encoding on the benchmark mix, A/B in one
 * process. The columns handed to msgpackr are views into these arrays:
 * msgpackr copies their bytes, so nothing outlives packing.
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
  private readonly u8: Uint8Array;
  private readonly u16: Uint16Array;
  private readonly u32: Uint32Array;
  private readonly i8: Int8Array[];
  private readonly i16: Int16Array[];

  constructor(readonly size: number) {
    this.gap = new Float64Array(size);
    [this.kind, this.name, this.trace, this.span] = [0, 1, 2, 3].map(() => new Int32Array(size));
    this.form = new Int8Array(size);
    this.u8 = new Uint8Array(size);
    this.u16 = new Uint16Array(size);
    this.u32 = new Uint32Array(size);
    this.i8 = [0, 1, 2, 3].map(() => new Int8Array(size));
    this.i16 = [0, 1, 2, 3].map(() => new Int16Array(size));
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

function narrowInto<T extends Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array>(into: T, from: Float64Array | Int32Array): T {
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
  ws.table.reset();
  return ws;
}

/** Returns a workspace once nothing reads its columns any more (after packing). */
export function giveWorkspace(ws: Workspace): void {
  spare = ws;
}
