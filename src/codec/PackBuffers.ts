/**
 * Buffers that a log packs its blocks into, reused from block to block.
 *
 * Left alone, msgpackr writes each pack after the previous one in a buffer
 * shared by every packer and takes a new one when it fills, so each block's
 * ~100 KB went to memory the process had never touched: a page fault per
 * 4 KB (~11 µs each on a 2-core VM) and a working set that kept moving.
 * Measured on the HTTP benchmark (paired rotation): the recorded server's
 * main-thread page faults 3,632 -> 572 in 5 s, hindsight/OTel 0.814 -> 0.847.
 *
 * Last in, first out: the buffer given back last is still warm in cache.
 * Bounded: a block waiting for the writer holds a whole buffer, so when the
 * writer falls behind, later blocks pack into msgpackr's own buffer, as
 * compact as before.
 */
import type { Packr } from 'msgpackr';

const INITIAL_BYTES = 256 * 1024;
/** Blocks packing to more than a third of this use msgpackr's own buffers. */
const MAX_BYTES = 4 * 1024 * 1024;
/** Buffers out at once: one block waits for compression, the next packs. */
const MAX_OUT = 4;
const MAX_FREE = 4;

/**
 * msgpackr's buffer after a block is packed: zero bytes long, so whatever
 * packs next (another log, a snapshot) starts a buffer of its own instead of
 * writing after the block into a buffer the pool will hand out again.
 */
const DETACHED = new Uint8Array(0);

/** A block's packed bytes, and the pool's buffer they live in (undefined: msgpackr's own). */
export interface PooledBytes {
  raw: Buffer;
  buffer: Buffer | undefined;
}

export class PackBuffers {
  private free: Buffer[] = [];
  private size = INITIAL_BYTES;
  private out = 0;
  private keep = true;

  /**
   * Packs `value` into a buffer of the pool when one is to be had. Its bytes
   * stay valid until that buffer is given back; packing that throws gives
   * it back itself.
   */
  pack(packr: Packr, value: unknown): PooledBytes {
    const buffer = this.take();
    if (buffer === undefined) return { raw: packr.pack(value), buffer: undefined };
    let raw: Buffer;
    packr.useBuffer(buffer);
    try {
      raw = packr.pack(value);
    } catch (err) {
      packr.useBuffer(DETACHED);
      this.give(buffer);
      throw err;
    }
    packr.useBuffer(DETACHED);
    if (raw.buffer === buffer.buffer) return { raw, buffer };
    // Outgrown: msgpackr moved the bytes to a buffer of its own.
    this.grow(raw.length);
    this.give(buffer);
    return { raw, buffer: undefined };
  }

  /**
   * Takes back a buffer nothing reads any more. `reuse` false: something
   * still may (a compression that failed, whose block a synchronous flush
   * can still read), so it is only counted back.
   */
  give(buffer: Buffer, reuse = true): void {
    this.out--;
    if (reuse && this.keep && buffer.length >= this.size && this.free.length < MAX_FREE) this.free.push(buffer);
  }

  /** Lets go of the kept buffers and keeps none from now on (a closed log). */
  clear(): void {
    this.free = [];
    this.keep = false;
  }

  private take(): Buffer | undefined {
    if (this.out >= MAX_OUT || !this.keep) return undefined;
    this.out++;
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /**
   * Later buffers fit a block like this one. Three times its size: msgpackr
   * reserves a string's worst case (3 bytes per UTF-16 unit) before writing
   * it, so a block that is mostly one string needs room for up to three
   * times its packed length (at twice, such a block outgrew every buffer).
   */
  private grow(bytes: number): void {
    const wanted = Math.ceil((bytes * 3) / 4096) * 4096;
    if (wanted <= this.size || wanted > MAX_BYTES) return;
    this.size = wanted;
    this.free = [];
  }
}
