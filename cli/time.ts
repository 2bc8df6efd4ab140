/**
 * Time expressions of --at/--from/--to (and the stepper's `jump`):
 *   2024-05-01T10:42:07.123456Z   ISO-8601, up to microseconds, Z or ±hh:mm
 *                                  (no zone: local time, as JavaScript reads it)
 *   +1.5s  +250ms  +40us  +40µs    offset from the session start
 *   seq:42                         the instant right after event 42
 *   1714560127123456               bare integer: µs since the epoch (the `t` --json prints)
 * Parsing is exact integer arithmetic: "+0.000001s" is 1 µs, never 0.999.
 */
import type { At } from '../reconstructor/StateReconstructor.js';
import { UsageError } from './args.js';

const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d{1,6}))?(Z|[+-]\d{2}:?\d{2})?$/i;
const OFFSET = /^\+(\d+)(?:\.(\d+))?(s|ms|us|µs)$/;
const UNIT_DIGITS: Record<string, number> = { s: 6, ms: 3, us: 0, µs: 0 };

function bad(expr: string, why: string): UsageError {
  return new UsageError(`bad time expression ${JSON.stringify(expr)}: ${why} (expected ISO-8601 like 2024-05-01T10:42:07.123456Z, +1.5s, +250ms, +40us, seq:N, or integer µs)`);
}

/** Decimal text scaled by 10^digits, exactly; throws when it would lose precision. */
function scaled(expr: string, whole: string, frac: string | undefined, digits: number): number {
  const f = frac ?? '';
  if (f.length > digits && /[1-9]/.test(f.slice(digits))) throw bad(expr, 'finer than a microsecond');
  const n = Number(whole + f.slice(0, digits).padEnd(digits, '0'));
  if (!Number.isSafeInteger(n)) throw bad(expr, 'too large');
  return n;
}

/** Parses one time expression; `sessionStartT` anchors `+offset` forms. Throws UsageError (exit 2). */
export function parseTime(expr: string, sessionStartT: number): At {
  const s = expr.trim();
  if (s === '') throw bad(expr, 'empty');
  const seq = /^seq:(\d+)$/i.exec(s);
  if (seq) {
    const n = Number(seq[1]);
    if (!Number.isSafeInteger(n)) throw bad(expr, 'seq too large');
    return { seq: n };
  }
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (!Number.isSafeInteger(n)) throw bad(expr, 'too large');
    return n;
  }
  const off = OFFSET.exec(s);
  if (off) return sessionStartT + scaled(expr, off[1], off[2], UNIT_DIGITS[off[3]]);
  const iso = ISO.exec(s);
  if (iso) {
    const [, date, clock, frac, zone] = iso;
    const zoneText = zone === undefined ? '' : zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
    const ms = Date.parse(`${date}T${clock.length === 5 ? `${clock}:00` : clock}${zoneText}`);
    if (Number.isNaN(ms)) throw bad(expr, 'not a valid date');
    return ms * 1000 + scaled(expr, '0', frac, 6);
  }
  throw bad(expr, 'unrecognised');
}

/** parseTime for an optional flag. */
export function parseOptionalTime(expr: string | undefined, sessionStartT: number): At | undefined {
  return expr === undefined ? undefined : parseTime(expr, sessionStartT);
}
