/**
 * Pack-buffer lifetime under seeded random interleavings of appends to two
 * logs (some with getters that append re-entrantly and flush), flushSync,
 * overflow 'wait' spills, async compression that reads its input late or
 * fails, blocks that outgrow the pool's buffers, and close. Every lz4 read
 * must see the bytes a block was packed to, every buffer must come back
 * (the pool's count out ends at 0, never below), and what reads back is
 * what was appended, or counted lost.
 */
import { describe, expect, it, vi } from 'vitest';
import { PackBuffers } from '../../src/codec/PackBuffers.js';
import { EventLog } from '../../src/log/EventLog.js';
import { openStore } from '../../src/store/Store.js';
import { readEvents, scratchDirs } from '../fixtures/stores.js';

const ctl = vi.hoisted(() => ({
  rand: Math.random,
  failRate: 0,
  mismatches: [] as string[],
  copies: new WeakMap<Uint8Array, Buffer>(),
  pending: 0,
}));

vi.mock('lz4-napi', async (orig) => {
  const real = await orig<typeof import('lz4-napi')>();
  const check = (data: Uint8Array, where: string): void => {
    const c = ctl.copies.get(data);
    if (c && Buffer.compare(c, data) !== 0) ctl.mismatches.push(where);
  };
  return {
    ...real,
    compress: (data: Uint8Array) => {
      check(data, 'async start');
      const fail = ctl.rand() < ctl.failRate;
      const delay = Math.floor(ctl.rand() * 3);
      ctl.pending++;
      return new Promise<Buffer>((resolve, reject) => {
        const go = (): void => {
          ctl.pending--;
          check(data, 'async read');
          if (fail) reject(new Error('lz4 failed'));
          else resolve(real.compressSync(Buffer.from(data)));
        };
        if (delay === 0) queueMicrotask(go);
        else if (delay === 1) setImmediate(go);
        else setTimeout(go, 1);
      });
    },
    compressSync: (data: Buffer) => {
      check(data, 'compressSync');
      return real.compressSync(data);
    },
  };
});

const pools: PackBuffers[] = [];
const negative: string[] = [];
const realPack = PackBuffers.prototype.pack;
PackBuffers.prototype.pack = function (this: PackBuffers, ...args: Parameters<typeof realPack>) {
  if (!pools.includes(this)) pools.push(this);
  const packed = realPack.apply(this, args);
  ctl.copies.set(packed.raw, Buffer.from(packed.raw));
  return packed;
};
const realGive = PackBuffers.prototype.give;
PackBuffers.prototype.give = function (this: PackBuffers, ...args: Parameters<typeof realGive>) {
  realGive.apply(this, args);
  if ((this as unknown as { out: number }).out < 0) negative.push('out < 0');
};

function mulberry32(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('EventLog pack buffers, seeded interleavings', () => {
  const scratch = scratchDirs();

  for (let seed = 1; seed <= 12; seed++) {
    it(`seed ${seed}`, async () => {
      const rand = mulberry32(seed);
      ctl.rand = rand;
      ctl.failRate = seed % 3 === 0 ? 0 : 0.1;
      ctl.mismatches = [];
      pools.length = 0;
      negative.length = 0;
      const dir = scratch();
      let store = await openStore({ dir });
      const logs = [
        await EventLog.create(store, { blockEvents: 4 + Math.floor(rand() * 12), onError: () => {} }),
        await EventLog.create(store, { blockEvents: 3 + Math.floor(rand() * 6), overflow: 'wait', maxPendingEvents: 24, onError: () => {} }),
      ];
      const expected = logs.map(() => new Map<number, unknown>());
      let n = 0;
      const plain = (li: number): void => {
        const i = n++;
        const big = rand() < 0.01;
        const d = { i, s: 'x'.repeat(Math.floor(rand() * 60)), b: big ? 'y'.repeat(300_000 + Math.floor(rand() * 200_000)) : undefined };
        const seq = logs[li].append({ kind: 'custom', name: 'e', data: d });
        if (seq > 0) expected[li].set(seq, d);
      };
      for (let step = 0; step < 1500; step++) {
        const r = rand();
        const li = rand() < 0.5 ? 0 : 1;
        if (r < 0.6) plain(li);
        else if (r < 0.75) {
          // A getter that appends (to either log) while its block is packed, maybe flushes.
          const i = n++;
          const inner = Math.floor(rand() * 12);
          const target = rand() < 0.5 ? 0 : 1;
          const action = rand();
          let ran = false;
          let value = -1;
          const d = {
            i,
            get g(): number {
              if (!ran) {
                ran = true;
                for (let k = 0; k < inner; k++) plain(target);
                if (action < 0.2) logs[target].flushSync();
                else if (action < 0.4) void logs[target].flush();
                value = i * 10;
              }
              return value;
            },
          };
          const seq = logs[li].append({ kind: 'custom', name: 'g', data: d });
          if (seq > 0) expected[li].set(seq, { i, g: i * 10 });
        } else if (r < 0.85) logs[li].flushSync();
        else if (r < 0.9) await null;
        else if (r < 0.95) await new Promise((res) => setImmediate(res));
        else if (r < 0.98) await new Promise((res) => setTimeout(res, 1));
        else await logs[li].flush();
      }
      for (const log of logs) await log.close();
      while (ctl.pending > 0) await new Promise((res) => setTimeout(res, 2));
      await new Promise((res) => setTimeout(res, 5));
      const outs = pools.map((p) => (p as unknown as { out: number }).out);
      const stats = logs.map((l) => l.stats());
      await store.close();
      store = await openStore({ dir });
      const wrong: string[] = [];
      for (let li = 0; li < logs.length; li++) {
        const events = await readEvents(store, logs[li].sessionId);
        for (const e of events) {
          if (e.kind !== 'custom') continue;
          const want = expected[li].get(e.seq);
          if (JSON.stringify(want) !== JSON.stringify(e.data)) wrong.push(`log ${li} seq ${e.seq}`);
        }
        const s = stats[li];
        if (s.appended !== s.written + s.lost) wrong.push(`log ${li} appended ${s.appended} != written ${s.written} + lost ${s.lost}`);
      }
      await store.close();
      expect({ mismatches: ctl.mismatches.slice(0, 5), negative, outs, wrong: wrong.slice(0, 5) }).toEqual({
        mismatches: [],
        negative: [],
        outs: pools.map(() => 0),
        wrong: [],
      });
    }, 60_000);
  }
});
