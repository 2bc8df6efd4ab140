import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StringTable } from '../../src/codec/StringTable.js';

/** Interns every value and checks each index reads back its own value. */
function internAll(table: StringTable, values: (string | undefined)[]): number[] {
  const ids = values.map((v) => table.intern(v));
  values.forEach((v, i) => expect(ids[i] === -1 ? undefined : table.strings[ids[i]]).toBe(v));
  return ids;
}

describe('StringTable', () => {
  it('gives equal strings one index, even as distinct string objects, and -1 to undefined', () => {
    const table = new StringTable();
    const id = Buffer.from('00f067aa0ba902b7', 'hex').toString('hex');
    const again = Buffer.from('00f067aa0ba902b7', 'hex').toString('hex');
    const ids = internAll(table, ['span.start', id, undefined, 'span.start', again, '']);
    expect(ids).toEqual([0, 1, -1, 0, 1, 2]);
    expect(table.strings).toEqual(['span.start', id, '']);
  });

  it('maps any sequence of strings to indexes that read back exactly, deduplicated, block after block (seeded)', () => {
    const table = new StringTable();
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 }), fc.constant(undefined)), { maxLength: 400 }), (values) => {
        for (let round = 0; round < 2; round++) {
          table.reset();
          internAll(table, values);
          expect(table.strings).toEqual([...new Set(values.filter((v) => v !== undefined))]);
        }
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('stays exact (and linear) when thousands of strings agree on every sampled character', () => {
    // Same length, same first four, middle and last four characters: every one lands on one probe chain.
    const alike = Array.from({ length: 3000 }, (_, i) => `abcd${String(i).padStart(5, '0')}M${String(i * 7).padStart(5, '0')}wxyz`);
    const table = new StringTable();
    const ids = internAll(table, [...alike, ...alike]);
    expect(new Set(ids.slice(0, 3000)).size).toBe(3000);
  });

  it('stores what is not a string as String(value), null and undefined ids as absent', () => {
    const table = new StringTable();
    const ids = [null, 42, '42', undefined].map((v) => table.intern(v as string));
    expect(ids).toEqual([-1, 0, 0, -1]);
    expect([undefined, null, 'x'].map((v) => table.internRequired(v as string))).toEqual([1, 2, 3]);
    expect(table.strings).toEqual(['42', 'undefined', 'null', 'x']);
  });
});
