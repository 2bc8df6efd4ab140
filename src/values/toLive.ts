/**
 * toLive: a fresh deep copy of a recorded (copied or decoded) value, for a
 * reader's state tree. NegativeZero boxes become -0 again, so a value taken
 * straight from an in-memory event reads the same as one that went through
 * the codec. Recorded values are trees (copyValue guarantees it), so there is
 * no cycle handling. The result never aliases the input: applying one decoded
 * patch to two states never links them.
 */
import { NegativeZero } from '../codec/ValueCodec.js';
import { setOwn } from './setOwn.js';

export function toLive(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof NegativeZero) return -0;
  if (Array.isArray(value)) {
    const n = value.length;
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = toLive(value[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return cloneProps(value as Record<string, unknown>, proto === null);
  if (value instanceof Map) {
    const out = new Map();
    for (const [k, v] of value) out.set(toLive(k), toLive(v));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set();
    for (const v of value) out.add(toLive(v));
    return out;
  }
  if (value instanceof Date) return new Date(value.getTime());
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (value instanceof DataView) {
    return new DataView(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer);
  }
  if (ArrayBuffer.isView(value)) return (value as unknown as { slice(): unknown }).slice();
  if (value instanceof ArrayBuffer) return value.slice(0);
  if (value instanceof RegExp) return new RegExp(value.source, value.flags);
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return cloneProps(value as Record<string, unknown>, false);
}

function cloneProps(src: Record<string, unknown>, nullProto: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = nullProto ? Object.create(null) : {};
  for (const k of Object.keys(src)) {
    setOwn(out, k, toLive(src[k]));
  }
  return out;
}
