/**
 * Every block's bytes, whenever lz4 reads them (asynchronously on the libuv
 * pool, or in flushSync), are the bytes the block was packed to. The async
 * compress is mocked to read its input a macrotask later, as the pool may.
 */
import { describe, expect, it, vi } from 'vitest';
import { PackBuffers } from '../../src/codec/PackBuffers.js';
import { EventLog } from '../../src/log/EventLog.js';
import { openStore } from '../../src/store/Store.js';
import { readEvents, scratchDirs } from '../fixtures/stores.js';

const packedCopy = vi.hoisted(() => new WeakMap<Uint8Array, Buffer>());
const mismatches = vi.hoisted(() => [] as string[]);
vi.mock('lz4-napi', async (orig) => {
  const real = await orig<typeof import('lz4-napi')>();
  const check = (data: Uint8Array, where: string): void => {
    const copy = packedCopy.get(data);
    if (copy && Buffer.compare(copy, data) !== 0) mismatches.push(where);
  };
  return {
    ...real,
    compress: (data: Uint8Array) =>
      new Promise<Buffer>((resolve) =>
        setImmediate(() => {
          check(data, 'async compress');
          resolve(real.compressSync(Buffer.from(data)));
        }),
      ),
    compressSync: (data: Buffer) => {
      check(data, 'compressSync');
      return real.compressSync(data);
    },
  };
});

const realPack = PackBuffers.prototype.pack;
PackBuffers.prototype.pack = function (this: PackBuffers, ...args: Parameters<typeof realPack>) {
  const packed = realPack.apply(this, args);
  packedCopy.set(packed.raw, Buffer.from(packed.raw));
  return packed;
};

describe('EventLog pack buffers under flushSync', () => {
  const scratch = scratchDirs();

  it('lz4 always reads the bytes a block was packed to, and everything reads back', async () => {
    const dir = scratch();
    let store = await openStore({ dir });
    const log = await EventLog.create(store, { blockEvents: 8 });
    const data: unknown[] = [];
    for (let i = 0; i < 600; i++) {
      // Now and then a block outgrows the pool's buffers.
      const d = { i, s: `${i}`.repeat(i % 40), big: i % 250 === 7 ? 'y'.repeat(300_000) : undefined };
      data.push(d);
      log.append({ kind: 'custom', name: 'e', data: d });
      // Right after a block is sealed its compression is in flight: spill it, then keep packing into the pool.
      if (i % 8 === 7 && i % 24 !== 7) log.flushSync();
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
    await log.close();
    await store.close();
    store = await openStore({ dir });
    expect((await readEvents(store, log.sessionId)).map((e) => e.data)).toEqual(data);
    await store.close();
    expect(mismatches).toEqual([]);
  });
});
