import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toJson } from '../../cli/output.js';
import { renderJson } from '../../cli/view/render.js';

describe('renderJson', () => {
  it('writes what JSON.stringify(toJson(value)) writes, for the values a recording holds', () => {
    const special = { m: new Map<unknown, unknown>([['a', { d: new Date(0) }], [{ k: 1 }, 10n]]), s: new Set([1, undefined, -0]), u: undefined, n: [-0, NaN, -Infinity], b: new Uint8Array([1, 2]), r: /a+/g, bad: new Date(NaN) };
    expect(renderJson(special)).toBe(JSON.stringify(toJson(special)));
    fc.assert(
      fc.property(fc.anything({ withMap: true, withSet: true, withBigInt: true, withDate: true, withTypedArray: true, withNullPrototype: true, withBoxedValues: true, withSparseArray: false }), (v) => {
        expect(renderJson({ v })).toBe(JSON.stringify(toJson({ v })));
      }),
      { numRuns: 300 },
    );
  });
});
