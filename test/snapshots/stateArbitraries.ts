/**
 * Seeded generators of plain (untracked) states and of mutations over them,
 * for the snapshot tests. Tracked state uses test/fixtures/mutationPrograms.
 */
import fc from 'fast-check';

// msgpackr renames a '__proto__' key (its own prototype-pollution guard): not a key we generate.
const keyArb = fc.string({ maxLength: 4 }).filter((k) => k !== '__proto__');

const leafArb = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constant(-0),
  fc.constant(Number.NaN),
  fc.string({ maxLength: 6 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.date(),
  fc.uint8Array({ maxLength: 4 }),
  fc.float64Array({ maxLength: 3 }),
);

const primitiveKeyArb = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -3, max: 5 }), fc.constant(true), fc.bigInt({ min: 0n, max: 3n }));

const { value: valueArb } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, leafArb, tie('obj'), tie('arr'), tie('map'), tie('set')),
  obj: fc.array(fc.tuple(keyArb, tie('value')), { maxLength: 4 }).map(toObject),
  arr: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.array(fc.tuple(fc.oneof(primitiveKeyArb, primitiveKeyArb, fc.record({ k: leafArb })), tie('value')), { maxLength: 3 }).map((e) => new Map<unknown, unknown>(e)),
  set: fc.array(fc.oneof(fc.integer({ min: 0, max: 9 }), fc.string({ maxLength: 2 })), { maxLength: 4 }).map((x) => new Set(x)),
}));

function toObject(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) o[k] = v;
  return o;
}

export { valueArb, keyArb };

export const rootArb = fc.array(fc.tuple(keyArb, valueArb), { maxLength: 5 }).map(toObject);

export interface Mutation {
  pick: number;
  action: number;
  key: string;
  value: unknown;
}

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({ pick: fc.nat(), action: fc.nat(), key: keyArb, value: valueArb });

type Container = Record<string, unknown> | unknown[] | Map<unknown, unknown> | Set<unknown> | Date;

function containers(v: unknown, out: Container[] = []): Container[] {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return out;
  out.push(v as Container);
  if (Array.isArray(v)) for (const x of v) containers(x, out);
  else if (v instanceof Map) for (const x of v.values()) containers(x, out);
  else if (v instanceof Set || v instanceof Date) return out;
  else for (const x of Object.values(v)) containers(x, out);
  return out;
}

/** Applies one mutation to the live state (a plain object root), deterministically from its numbers. */
export function mutate(root: Record<string, unknown>, m: Mutation): void {
  const all = containers(root);
  const c = all[m.pick % all.length];
  const a = m.action;
  if (Array.isArray(c)) {
    const i = c.length ? a % c.length : 0;
    switch (a % 7) {
      case 0: c.push(m.value); break;
      case 1: c.pop(); break;
      case 2: c.splice(i, 1, m.value); break;
      case 3: c[i] = m.value; break;
      case 4: c.shift(); break;
      case 5: c.unshift(m.value); break;
      default: c.length = Math.floor(c.length / 2);
    }
  } else if (c instanceof Map) {
    const keys = [...c.keys()];
    const k = keys.length ? keys[a % keys.length] : m.key;
    switch (a % 5) {
      case 0: c.set(m.key, m.value); break;
      case 1: c.delete(k); break;
      case 2: c.clear(); break;
      case 3: { const v = c.get(k); c.delete(k); c.set(k, v); break; }
      default: c.set(k, m.value);
    }
  } else if (c instanceof Set) {
    const vals = [...c];
    switch (a % 4) {
      case 0: c.add(a % 13); break;
      case 1: if (vals.length) c.delete(vals[a % vals.length]); break;
      case 2: c.clear(); break;
      default: if (vals.length) { const v = vals[0]; c.delete(v); c.add(v); }
    }
  } else if (c instanceof Date) {
    c.setTime((a % 1e6) * 1000);
  } else {
    const o = c as Record<string, unknown>;
    const keys = Object.keys(o);
    const k = keys.length ? keys[a % keys.length] : m.key;
    switch (a % 5) {
      case 0: o[m.key] = m.value; break;
      case 1: delete o[k]; break;
      case 2: { const v = o[k]; delete o[k]; o[k] = v; break; }
      case 3: o[k] = a % 2 ? new Map([[1, m.value]]) : [m.value]; break;
      default: o[k] = m.value;
    }
  }
}
