import { Packr, Unpackr, addExtension } from 'msgpackr';

/**
 * msgpackr options every writer and reader of hindsight data uses.
 * - useRecords: repeated object shapes become records (structures) shared
 *   across a session and persisted beside the blocks that use them.
 * - mapsAsObjects: false, so a recorded Map reads back as a Map (plain
 *   objects are records, so they still read back as objects).
 * - moreTypes: Set, typed arrays, Error, RegExp round-trip.
 * - useBigInt64: bigint round-trips as bigint (msgpackr encodes larger ones too).
 */
const OPTIONS = {
  useRecords: true,
  mapsAsObjects: false,
  moreTypes: true,
  useBigInt64: true,
} as const;

/**
 * msgpack has no -0: msgpackr writes it as integer 0. Producers that copy
 * values (see values/copyValue) replace -0 with this box so it survives the
 * trip; readers get a real -0 back.
 */
export class NegativeZero {
  static readonly instance = new NegativeZero();
  private constructor() {}
}

addExtension({
  Class: NegativeZero,
  type: 0x2d,
  write: () => 0,
  read: () => -0,
});

export interface StructureSink {
  /** Called when the shared structures grew; the array is msgpackr's own (copy before storing). */
  onStructures(structures: unknown[]): void;
}

/** A packer whose shared structures start from `structures` (a session's persisted set). */
export function createPackr(structures: unknown[] = [], sink?: StructureSink): Packr {
  return new Packr({
    ...OPTIONS,
    structures,
    // msgpackr's defaults (32 shared + 32 own shapes) keep one-byte record
    // ids: beyond 32 session-wide shapes, a shape is defined inline in each
    // block that uses it. A larger shared table switches to two-byte ids,
    // which a reader given `structures` directly decodes wrongly (measured).
    saveStructures: sink
      ? (s: unknown[]) => {
          sink.onStructures(s);
          return true;
        }
      : undefined,
  } as any);
}

export function createUnpackr(structures: unknown[] = []): Unpackr {
  return new Unpackr({ ...OPTIONS, structures } as any);
}

/** Records without shared structures: each buffer carries its own shapes (snapshots, exports, metadata). */
const standalonePackr = new Packr({ ...OPTIONS } as any);
const standaloneUnpackr = new Unpackr({ ...OPTIONS } as any);

export function packStandalone(value: unknown): Buffer {
  return standalonePackr.pack(value);
}

export function unpackStandalone(buf: Uint8Array): any {
  return standaloneUnpackr.unpack(buf);
}
