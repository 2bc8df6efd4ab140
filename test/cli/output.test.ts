import { describe, expect, it } from 'vitest';
import { formatTime, toJson } from '../../cli/output.js';

describe('JSON rendering of recorded values', () => {
  it('tags what JSON cannot hold', () => {
    const value = { big: 12n, m: new Map<unknown, unknown>([[1, 'a'], ['k', new Set([2])]]), d: new Date(0), bad: new Date(NaN), u: undefined, z: -0, nan: NaN, inf: -Infinity, bytes: new Uint8Array([1, 2]), re: /a+/g, arr: [undefined, 1] };
    expect(toJson(value)).toEqual({
      big: { $bigint: '12' },
      m: { $map: [[1, 'a'], ['k', { $set: [2] }]] },
      d: { $date: '1970-01-01T00:00:00.000Z' },
      bad: { $date: null },
      u: { $undefined: true },
      z: { $number: '-0' },
      nan: { $number: 'NaN' },
      inf: { $number: '-Infinity' },
      bytes: { $bytes: 'AQI=', type: 'Uint8Array' },
      re: { $regexp: '/a+/g' },
      arr: [{ $undefined: true }, 1],
    });
    expect(toJson({ '@hindsight': 'function', name: 'f' })).toEqual({ '@hindsight': 'function', name: 'f' });
  });

  it('formats times with microseconds', () => {
    expect(formatTime(1_700_000_000_000_007)).toBe('2023-11-14T22:13:20.000007Z');
  });
});
