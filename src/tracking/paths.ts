/**
 * Path addressing, shared by the tracker (live side) and readers (plain trees).
 *
 * A path is the list of segments from a tracked name's root value down to a
 * value. Every segment is msgpack-able:
 * - plain object property: the key (string);
 * - array element: the index (number);
 * - Map entry whose key is a primitive (undefined, null, boolean, number,
 *   string, bigint): the key itself. -0 is written as 0 (Map does the same);
 * - Map entry whose key is an object, function or symbol (a "ref key"):
 *   `{ ref: n }`, n = the position of that key among the Map's ref keys, in
 *   insertion order. Recorded ref keys are copies (objects or markers), so a
 *   reader counts the object keys of its own Map and finds the same entry;
 * - Set element (only an object element can be a path step): `{ ref: n }`,
 *   n = its position among the Set's object elements. Set add/remove patches
 *   end their path with the element itself when it is a primitive.
 * A segment that is an object is always a ref: primitive keys never are.
 */
export interface RefSegment {
  ref: number;
}

export type PathSegment = string | number | boolean | bigint | null | undefined | RefSegment;

export function isRefSegment(seg: unknown): seg is RefSegment {
  return typeof seg === 'object' && seg !== null;
}

/** Live side: whether a Map key / Set element is addressed by `{ ref }` (its copy is an object). */
export function isRefKey(key: unknown): boolean {
  const t = typeof key;
  return (t === 'object' && key !== null) || t === 'function' || t === 'symbol';
}

/** Reader side: recorded ref keys are copies, hence objects. */
export function isRecordedRefKey(key: unknown): boolean {
  return typeof key === 'object' && key !== null;
}

/** A path rendered for error messages. */
export function formatPath(path: readonly PathSegment[]): string {
  return (
    '[' +
    path
      .map((s) => {
        if (isRefSegment(s)) return `{ref:${s.ref}}`;
        if (typeof s === 'string') return JSON.stringify(s);
        if (typeof s === 'bigint') return `${s}n`;
        return String(s);
      })
      .join(', ') +
    ']'
  );
}
