import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toJson } from '../../cli/output.js';
import { renderJson } from '../../cli/view/render.js';

describe('renderJson', () => {
  it('writes what JSON.stringify(toJson(value)) writes, for the values a recording holds', () => {
    const special = { m: new Map<unknown, unknown>([['a', { d: new Date(0) }], [{ k: 1 }, 10n]]), s: new Set([1, undefined, -0]), u: undefined, n: [-0, NaN, -Infinity], b: new Uint8Array([1, 2]), r: /a+/g, bad: new Date(NaN) };
    expect(renderJson(special)).toBe(JSON.stringify(toJson(special)));
    // An own __proto__ field is data like any other (it was lost by toJson's assignment).
    const proto = JSON.parse('{"__proto__":{"x":1},"y":2}') as unknown;
    expect(JSON.parse(JSON.stringify(toJson(proto)))).toEqual(proto);
    expect(renderJson(proto)).toBe(JSON.stringify(toJson(proto)));
    fc.assert(
      fc.property(fc.anything({ withMap: true, withSet: true, withBigInt: true, withDate: true, withTypedArray: true, withNullPrototype: true, withBoxedValues: true, withSparseArray: false }), (v) => {
        expect(renderJson({ v })).toBe(JSON.stringify(toJson({ v })));
      }),
      { seed: 9, numRuns: 300 },
    );
  });
});
