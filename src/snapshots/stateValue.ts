import { NegativeZero, packStandalone } from '../codec/ValueCodec.js';
import { sha256 } from '../codec/checksum.js';
import { setOwn } from '../values/setOwn.js';

/**
 * A state's "stored form" is what values/copyValue makes of it: a tree the
 * live program can no longer reach, in which -0 is boxed as NegativeZero so
 * packing it is exact (its header documents the rules for non-data values).
 * Decoded states hold real -0 again; these helpers bridge the two.
 */


export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/**
 * Boxes every -0 of a decoded state in place (what unpacking un-boxed), so the
 * state packs exactly again. Set members and Map keys cannot be -0 themselves,
 * but an object among them can hold one.
 */
export function boxNegativeZeros(v: unknown): unknown {
  if (typeof v === 'number') return Object.is(v, -0) ? NegativeZero.instance : v;
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = boxNegativeZeros(v[i]);
  } else if (v instanceof Map) {
    for (const [k, x] of v) {
      // Object keys are boxed in place (a key cannot be replaced without reordering the Map).
      if (typeof k === 'object') boxNegativeZeros(k);
      v.set(k, boxNegativeZeros(x));
    }
  } else if (v instanceof Set) {
    for (const x of v) boxNegativeZeros(x);
  } else if (isPlainObject(v)) {
    for (const k of Object.keys(v)) {
      const x = v[k];
      if (typeof x === 'object' || typeof x === 'number') setOwn(v, k, boxNegativeZeros(x));
    }
  }
  return v;
}

/**
 * SHA-256 of the packed state (stored form). Packing is canonical here:
 * iteration order is part of the state (every path keeps it exactly), and
 * standalone records make equal states pack to equal bytes, so a full's hash
 * is just the hash of its payload (measured: sorting keys for a separate
 * canonical pack cost more than the pack itself on 1M keys).
 */
export function stateHash(stored: unknown): string {
  return sha256(packStandalone(stored));
}

export function rawStateHash(raw: Uint8Array): string {
  return sha256(raw);
}
