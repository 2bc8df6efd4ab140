/**
 * A block whose asynchronous compression failed gives its pack buffer back
 * without reuse: flushSync may still take the block over and compress its
 * bytes, so no later block may pack over them. The failure is placed at
 * every microtask depth before the host spills, where the race would land.
 */
import { describe, expect, it, vi } from 'vitest';
import { EventLog } from '../../src/log/EventLog.js';
import { openStore } from '../../src/store/Store.js';
import { readEvents, scratchDirs } from '../fixtures/stores.js';

const control = vi.hoisted(() => ({ fail: 0, onFail: undefined as undefined | (() => void) }));
vi.mock('lz4-napi', async (orig) => {
  const real = await orig<typeof import('lz4-napi')>();
  return {
    ...real,
    compress: (data: Uint8Array) => {
      if (control.fail === 0) return real.compress(data);
      control.fail--;
      control.onFail?.();
      return Promise.reject(new Error('lz4 failed'));
    },
  };
});

const label = (seq: number, name: string, v: number): string => `${seq}:${name}:${v}`;

describe('EventLog pack buffers when compression fails', () => {
  const scratch = scratchDirs();

  it('never stores a block with the bytes of a block packed after it', async () => {
    const first = [0, 1, 2, 3].map((i) => label(i + 1, 'first', i));
    const later = [0, 1, 2, 3].map((i) => label(i + 5, 'later', 10 + i));
    for (let depth = 0; depth < 12; depth++) {
      const dir = scratch();
      let store = await openStore({ dir });
      const log = await EventLog.create(store, { blockEvents: 4, onError: () => {} });
      let spilled!: () => void;
      const done = new Promise<void>((resolve) => (spilled = resolve));
      control.fail = 1;
      control.onFail = () => {
        // Host code `depth` microtasks after the failure packs the next block and spills.
        let ticks = 0;
        const tick = (): void => {
          if (ticks++ < depth) return queueMicrotask(tick);
          for (let i = 0; i < 4; i++) log.append({ kind: 'custom', name: 'later', data: { v: 10 + i } });
          log.flushSync();
          spilled();
        };
        queueMicrotask(tick);
      };
      for (let i = 0; i < 4; i++) log.append({ kind: 'custom', name: 'first', data: { v: i } });
      await done;
      await log.close();
      await store.close();
      store = await openStore({ dir });
      const events = (await readEvents(store, log.sessionId)).map((e) => label(e.seq, e.name!, (e.data as { v: number }).v));
      await store.close();
      // The failed block is either spilled intact or lost whole; never rewritten.
      expect([first.concat(later), later], `depth ${depth}`).toContainEqual(events);
    }
    control.onFail = undefined;
  });
});
