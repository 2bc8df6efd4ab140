/**
 * copyValue: the deep copy taken of every recorded value, so that mutating
 * the live object later never changes the past. It never throws.
 *
 * Rules (the copy is what msgpackr, configured in codec/ValueCodec, can carry):
 * - Primitives are returned as they are (no allocation), except -0, which
 *   becomes `NegativeZero.instance` (msgpack has no -0; the codec extension
 *   turns the box back into -0 on read). undefined stays undefined.
 * - bigint as is. Date → new Date with the same time. RegExp → same source/flags.
 * - Map → new Map, keys and values copied, insertion order kept. Set likewise.
 * - Typed arrays, DataView and ArrayBuffer → byte-exact copies of the viewed
 *   bytes (a view's copy starts at byteOffset 0); Buffer stays a Buffer.
 *   SharedArrayBuffer → an ArrayBuffer with the same bytes.
 * - Arrays → dense arrays: a hole becomes undefined; non-index properties are dropped.
 * - Plain objects → own enumerable string-keyed properties; a null-prototype
 *   object stays null-prototype (readers decode it as a plain object).
 *   Symbol-keyed and non-enumerable properties are dropped; getters are read.
 * - Error (and subclasses) → `{ name, message, stack }` plain object.
 * - Other class instances → plain object of their own enumerable properties
 *   (the prototype is lost, by design: the recording holds data, not behaviour).
 * - Functions → `{ '@hindsight': 'function', name }`; symbols (as values or
 *   Map keys / Set elements) → `{ '@hindsight': 'symbol', description }`.
 * - An object met again while it is still being copied (a cycle back-reference)
 *   → `{ '@hindsight': 'cycle' }`. An object shared by two branches (no cycle)
 *   is copied twice: the copy is a tree.
 * - A tracker proxy is copied through its raw target; proxies are never recorded.
 * - If reading the value throws (a getter, a foreign proxy, a structure too
 *   deep for the stack), the whole value becomes
 *   `{ '@hindsight': 'uncopyable', message }`.
 */
import { NegativeZero } from '../codec/ValueCodec.js';
import { rawOf } from './proxyRegistry.js';
import { setOwn } from './setOwn.js';
import { cycleMarker, functionMarker, symbolMarker, uncopyableMarker } from './markers.js';

export function copyValue(value: unknown): unknown {
  // Leaves (most tracked writes) need no ancestor list and cannot throw.
  if (typeof value !== 'object' || value === null) return copyLeaf(value);
  try {
    return copyObject(value, new Ancestors());
  } catch (err) {
    return uncopyableMarker(err);
  }
}

/**
 * The objects on the path from the copied root to the current one. An array
 * is faster than a Set for the usual shallow state; past 64 levels a Set
 * keeps deep chains (linked lists) linear.
 */
class Ancestors {
  private readonly stack: object[] = [];
  private set: Set<object> | undefined;

  has(o: object): boolean {
    return this.set !== undefined ? this.set.has(o) : this.stack.includes(o);
  }

  push(o: object): void {
    this.stack.push(o);
    if (this.set !== undefined) this.set.add(o);
    else if (this.stack.length > 64) this.set = new Set(this.stack);
  }

  pop(): void {
    const o = this.stack.pop()!;
    this.set?.delete(o);
  }
}

function copyIn(value: unknown, anc: Ancestors): unknown {
  return typeof value === 'object' && value !== null ? copyObject(value, anc) : copyLeaf(value);
}

/** Anything but a non-null object: -0 boxed, functions and symbols as markers, the rest as it is. */
function copyLeaf(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? NegativeZero.instance : value;
    case 'function':
      return functionMarker(value as () => unknown);
    case 'symbol':
      return symbolMarker(value);
    default:
      return value;
  }
}

const TYPED_ARRAYS: Record<string, new (src: ArrayLike<any>) => ArrayBufferView> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};

function copyObject(input: object, anc: Ancestors): unknown {
  const value = rawOf(input);
  if (value instanceof NegativeZero) return value;
  if (anc.has(value)) return cycleMarker();
  if (Array.isArray(value)) {
    anc.push(value);
    const n = value.length;
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = copyIn(value[i], anc);
    anc.pop();
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return copyProps(value, anc, proto === null);
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Map) {
    anc.push(value);
    const out = new Map();
    for (const [k, v] of value) out.set(copyIn(k, anc), copyIn(v, anc));
    anc.pop();
    return out;
  }
  if (value instanceof Set) {
    anc.push(value);
    const out = new Set();
    for (const v of value) out.add(copyIn(v, anc));
    anc.pop();
    return out;
  }
  if (ArrayBuffer.isView(value)) return copyView(value);
  if (value instanceof ArrayBuffer) return value.slice(0);
  if (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer) {
    const out = new ArrayBuffer(value.byteLength);
    new Uint8Array(out).set(new Uint8Array(value));
    return out;
  }
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (value instanceof RegExp) return new RegExp(value.source, value.flags);
  return copyProps(value, anc, false);
}

function copyProps(value: object, anc: Ancestors, nullProto: boolean): Record<string, unknown> {
  anc.push(value);
  const out: Record<string, unknown> = nullProto ? Object.create(null) : {};
  const src = value as Record<string, unknown>;
  for (const k of Object.keys(src)) {
    setOwn(out, k, copyIn(src[k], anc));
  }
  anc.pop();
  return out;
}

function copyView(view: ArrayBufferView): unknown {
  if (Buffer.isBuffer(view)) return Buffer.from(view);
  if (view instanceof DataView) {
    return new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer);
  }
  const tag = Object.prototype.toString.call(view).slice(8, -1);
  const Ctor = TYPED_ARRAYS[tag];
  if (Ctor !== undefined) return new Ctor(view as unknown as ArrayLike<any>);
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer);
}
