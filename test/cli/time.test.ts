import { describe, expect, it } from 'vitest';
import { parseTime } from '../../cli/time.js';
import { UsageError } from '../../cli/args.js';

const START = 1_700_000_000_000_000;

describe('time expressions', () => {
  it('parses offsets from the session start exactly', () => {
    expect(parseTime('+1.5s', START)).toBe(START + 1_500_000);
    expect(parseTime('+250ms', START)).toBe(START + 250_000);
    expect(parseTime('+40us', START)).toBe(START + 40);
    expect(parseTime('+40µs', START)).toBe(START + 40);
    expect(parseTime('+0.000001s', START)).toBe(START + 1);
    expect(parseTime('+0.007s', START)).toBe(START + 7000);
  });

  it('parses ISO-8601 up to microseconds, with Z, offsets, or none', () => {
    expect(parseTime('2023-11-14T22:13:20Z', 0)).toBe(START);
    expect(parseTime('2023-11-14T22:13:20.123456Z', 0)).toBe(START + 123_456);
    expect(parseTime('2023-11-14T22:13:20.1Z', 0)).toBe(START + 100_000);
    expect(parseTime('2023-11-14T23:13:20.000007+01:00', 0)).toBe(START + 7);
    expect(parseTime('2023-11-14T23:13:20.000007+0100', 0)).toBe(START + 7);
    expect(parseTime('2023-11-14T22:13:20', 0)).toBe(new Date(2023, 10, 14, 22, 13, 20).getTime() * 1000);
  });

  it('parses seq:N and bare integer µs', () => {
    expect(parseTime('seq:42', START)).toEqual({ seq: 42 });
    expect(parseTime(String(START + 5), 0)).toBe(START + 5);
  });

  it('rejects anything else with a usage error naming the expression', () => {
    for (const bad of ['', 'soon', '+1.5', '-1s', '+1.0000001s', '2023-13-45T99:00:00Z', 'seq:x', '2023-11-14T22:13:20.1234567Z', '99999999999999999999']) {
      expect(() => parseTime(bad, START), bad).toThrow(UsageError);
    }
    expect(() => parseTime('soon', START)).toThrow(/^HINDSIGHT_INVALID_ARGUMENT: bad time expression "soon"/);
  });
});
