import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { packIds, unpackIds } from '../../src/codec/hexIds.js';

const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });

describe('hex ids in a block string table', () => {
  it('turns 16- and 32-digit lowercase hex into bytes and leaves everything else, exactly', () => {
    const strings = ['span.start', '0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 'GET /api/cart/xy', 'B7AD6B7169203331', 'b7ad6b716920333', '0af7651916cd43dd8448eb211c80319z'];
    const { table, bytes } = packIds(strings);
    expect(table).toEqual(['span.start', 1, 0, 'GET /api/cart/xy', 'B7AD6B7169203331', 'b7ad6b716920333', '0af7651916cd43dd8448eb211c80319z']);
    expect(bytes).toHaveLength(24);
    expect(unpackIds(table, bytes)).toEqual(strings);
  });

  it('converts all ids in one pass when the other strings of their lengths do not start or end like hex', () => {
    // A key or span name of an id's length used to send every id of the block through a regex.
    const strings = ['http.status_text', 'GET /api/v1/user', '0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 'checkout.completed.v2.eu-west-1x'];
    const test = vi.spyOn(RegExp.prototype, 'test');
    try {
      const { table, bytes } = packIds(strings);
      expect(test).not.toHaveBeenCalled();
      expect(table).toEqual(['http.status_text', 'GET /api/v1/user', 1, 0, 'checkout.completed.v2.eu-west-1x']);
      expect(unpackIds(table, bytes)).toEqual(strings);
    } finally {
      test.mockRestore();
    }
  });

  it('round-trips any mix of ids and near misses (seeded)', () => {
    // An id with one digit swapped for something that is not a lowercase hex digit.
    const nearMiss = fc
      .tuple(fc.oneof(hex(16), hex(32)), fc.nat(31), fc.constantFrom('g', 'G', 'A', 'F', '-', ' ', 'é', '\u0100', '\ud83d', 'x0', 'š', 'ı', 'ａ', '\u0330', '\u0161', '\u0166'))
      .map(([id, at, c]) => id.slice(0, at % id.length) + c + id.slice((at % id.length) + 1));
    const entry = fc.oneof(hex(16), hex(32), nearMiss, fc.string({ maxLength: 33 }), fc.string({ minLength: 16, maxLength: 16 }), fc.string({ minLength: 32, maxLength: 32 }));
    fc.assert(
      fc.property(fc.uniqueArray(entry, { maxLength: 40 }), (strings) => {
        const { table, bytes } = packIds(strings);
        expect(unpackIds(table, bytes)).toEqual(strings);
      }),
      { seed: 2024, numRuns: 300 },
    );
  });

  it('leaves strings whose characters only look like hex digits to the decoder (low byte a hex digit) as they are', () => {
    // U+0161 'š', U+0131 'ı', U+FF41 'ａ', U+0330: Node's hex decoder reads their low byte as a, 1, A, 0.
    const strings = ['0af7651916cd43dd8448eb211c80319c', ...['\u0161', '\u0131', '\uff41', '\u0330'].map((c) => `00f067aa0ba902b${c}`)];
    const { table, bytes } = packIds(strings);
    expect(table.slice(1)).toEqual(strings.slice(1));
    expect(unpackIds(table, bytes)).toEqual(strings);
  });

  it('refuses tables and bytes that disagree', () => {
    const { table, bytes } = packIds(['b7ad6b7169203331', 'x']);
    expect(() => unpackIds(table, undefined)).toThrow(/without id bytes/);
    expect(() => unpackIds(table, Buffer.alloc(4))).toThrow(/disagree/);
    expect(() => unpackIds([2, 'x'], bytes)).toThrow(/bad id slot/);
    expect(() => unpackIds('x', bytes)).toThrow(/malformed/);
  });
});
