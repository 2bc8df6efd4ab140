import { describe, expect, it } from 'vitest';
import type { EventInput } from '../../src/events.js';
import { OpenBlock } from '../../src/log/OpenBlock.js';

const ev = (i: number): EventInput => ({ kind: 'custom', name: `e${i}`, data: i });

describe('OpenBlock', () => {
  it('hands blocks over with their times, and two sets of arrays take turns', () => {
    const open = new OpenBlock(4);
    expect([1, 2, 3].map((i) => open.push(ev(i), 100 + i))).toEqual([1, 2, 3]);
    const first = open.take();
    expect(first.events.slice(0, 3)).toEqual([ev(1), ev(2), ev(3)]);
    expect([...first.times]).toEqual([101, 102, 103]);
    expect(open.count).toBe(0);
    // Appends while the first block is packed land in other arrays.
    open.push(ev(4), 104);
    expect(first.events[0]).toEqual(ev(1));
    open.done(first);
    expect(first.events.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    const second = open.take();
    expect(second.arrays.events).not.toBe(first.arrays.events);
    expect([...second.times]).toEqual([104]);
    open.done(second);
    // The first block's arrays come back as the open block's, the second's wait as spare.
    open.push(ev(5), 105);
    const third = open.take();
    expect(third.arrays.events).toBe(first.arrays.events);
    expect(open.take().arrays.events).toBe(second.arrays.events);
  });

  it('grows past its room in a burst, and does not keep arrays a burst grew', () => {
    const open = new OpenBlock(2);
    for (let i = 0; i < 40; i++) open.push(ev(i), i);
    const burst = open.take();
    expect(burst.times.length).toBe(40);
    expect(burst.events[39]).toEqual(ev(39));
    open.done(burst);
    open.take(); // the arrays opened when the burst was taken
    expect(open.take().arrays.events).not.toBe(burst.arrays.events);
  });

  it('keeps appending after clear, from empty arrays', () => {
    const open = new OpenBlock(8);
    open.push(ev(1), 1);
    open.clear();
    expect(open.count).toBe(0);
    open.push(ev(2), 2);
    expect([...open.take().times]).toEqual([2]);
  });
});
