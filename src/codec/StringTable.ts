/**
 * A block's string table: kinds, names, trace and span ids interned to
 * indexes. Not a Map: a Map hashes every string it is given, and the ids of
 * a traced program are fresh strings whose hash V8 computes on first use,
 * which made interning ~20% of a block's encoding time (measured A/B on the
 * benchmark mix). This table hashes a few characters of each string instead
 * (ids are random, names differ at their ends) and probes a small open
 * addressing table, comparing candidates with ===.
 *
 * A string that probes too long (many strings alike in the sampled
 * characters) is appended without being deduplicated: the table stays
 * correct, only less compact, and encoding stays linear.
 */
const SLOTS = 1 << 14;
const MASK = SLOTS - 1;
const MAX_PROBES = 16;

/** Mixes the length and the characters at both ends and the middle. */
function hashOf(s: string): number {
  const n = s.length;
  let h = Math.imul(n, 0x9e3779b1);
  if (n <= 9) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x85ebca6b);
  } else {
    h = Math.imul(h ^ s.charCodeAt(0), 0x85ebca6b);
    h = Math.imul(h ^ s.charCodeAt(1), 0x85ebca6b);
    h = Math.imul(h ^ s.charCodeAt(2), 0x85ebca6b);
    h = Math.imul(h ^ s.charCodeAt(3), 0x85ebca6b);
    h = Math.imul(h ^ s.charCodeAt(n >> 1), 0x85ebca6b);
    h = Math.imul(h ^ s.charCodeAt(n - 4), 0x85ebca6b);
    h = Math.imul(h ^ s.charCodeAt(n - 3), 0x85ebca6b);
    h = Math.imul(h ^ s.charCodeAt(n - 2), 0x85ebca6b);
    h = Math.imul(h ^ s.charCodeAt(n - 1), 0x85ebca6b);
  }
  return (h ^ (h >>> 15)) & MASK;
}

function printable(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '[unprintable]';
  }
}

export class StringTable {
  strings: string[] = [];
  private readonly slots = new Int32Array(SLOTS);

  /** Empties the table for the next block (zeroing the probe slots is cheaper than allocating them). */
  reset(): void {
    if (this.strings.length === 0) return;
    this.strings = [];
    this.slots.fill(0);
  }

  /** The index of a kind or name, which is never absent: undefined and null are stored as 'undefined' and 'null'. */
  internRequired(s: string): number {
    return this.intern(typeof s === 'string' ? s : printable(s));
  }

  /**
   * The index of an optional string (a trace or span id) in the table, added
   * when new; -1 when absent (undefined or null). What is not a string (a
   * JavaScript caller's mistake) is stored as String(value): a block must
   * stay readable whatever it was given.
   */
  intern(s: string | undefined): number {
    if (typeof s !== 'string') {
      if (s === undefined || s === null) return -1;
      s = printable(s);
    }
    const { strings, slots } = this;
    let k = hashOf(s);
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const v = slots[k];
      if (v === 0) {
        slots[k] = strings.push(s);
        return strings.length - 1;
      }
      if (strings[v - 1] === s) return v - 1;
      k = (k + 1) & MASK;
    }
    return strings.push(s) - 1;
  }
}
