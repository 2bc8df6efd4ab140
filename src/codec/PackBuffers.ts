/**
 * Buffers that a log packs its blocks into, reused from block to block.
 *
 * Left alone, msgpackr writes each pack after the previous one in a buffer
 * shared by every packer and takes a new one when it fills, so each block's
 * ~100 KB went to memory the process had never touched: a page fault per
 * 4 KB (~11 µs each on a 2-core VM) and a working set that kept moving.
 * Measured on the HTTP benchmark (paired rotation): page faults per request
 * 0.07 -> 0.03, and the recorded server's CPU per request down ~5%.
 *
 * Last in, first out: the buffer given back last is still warm in cache.
 */
import type { Packr } from 'msgpackr';

const INITIAL_BYTES = 256 * 1024;
/** Blocks packing to more than this are rare; their buffers are msgpackr's own, not kept. */
const MAX_KEPT_BYTES = 16 * 1024 * 1024;
/** Free buffers kept: a block waits for compression in one, the next packs into another. */
const MAX_FREE = 4;

/**
 * msgpackr's buffer after a block is packed: zero bytes long, so whatever
 * packs next (another log, a snapshot) starts a buffer of its own instead of
 * writing after the block into a buffer the pool will hand out again.
 */
const DETACHED = new Uint8Array(0);

export class PackBuffers {
  private free: Buffer[] = [];
  private size = INITIAL_BYTES;

  /** A buffer to pack the next block into; undefined once blocks outgrew what is kept. */
  take(): Buffer | undefined {
    if (this.size > MAX_KEPT_BYTES) return undefined;
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /** Takes back a buffer nothing reads any more (its block is compressed, or lost). */
  give(buffer: Buffer): void {
    if (buffer.length >= this.size && this.free.length < MAX_FREE) this.free.push(buffer);
  }

  /**
   * Packs `value` into `buffer` (when given) and detaches msgpackr from it.
   * The bytes returned live in `buffer` until it is given back, unless they
   * outgrew it: msgpackr then moved them to a buffer of its own, and later
   * buffers are made big enough.
   */
  pack(packr: Packr, value: unknown, buffer: Buffer | undefined): Buffer {
    if (buffer === undefined) return packr.pack(value);
    packr.useBuffer(buffer);
    try {
      const raw = packr.pack(value);
      if (raw.buffer !== buffer.buffer) this.outgrown(raw.length);
      return raw;
    } finally {
      packr.useBuffer(DETACHED);
    }
  }

  /** Lets go of the kept buffers (a closed log). */
  clear(): void {
    this.free = [];
  }

  private outgrown(bytes: number): void {
    this.size = Math.max(this.size, Math.ceil((bytes * 1.25) / 4096) * 4096);
    this.free = [];
  }
}
