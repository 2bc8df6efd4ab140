/**
 * Recorded values as the API renders them (the CLI's --json forms: Map as
 * { $map: [[k, v], ...] }, Set as { $set: [...] }, bigint, Date, undefined,
 * odd numbers, bytes and RegExp as one-key `$` objects), read back for the
 * tree: which are containers, their entries, and leaves as text.
 */

const LEAF_TAGS = ['$bigint', '$date', '$undefined', '$number', '$bytes', '$regexp'];

const TAGS = ['$map', '$set', ...LEAF_TAGS];

/**
 * 'object' | 'array' | 'map' | 'set' | 'leaf'. It runs for every node, and a
 * state's objects may hold thousands of keys: only an object holding a tag
 * key has its keys listed (enumerating a large object costs as much as its size).
 */
export function kindOf(v) {
  if (v === null || typeof v !== 'object') return 'leaf';
  if (Array.isArray(v)) return 'array';
  if (TAGS.some((t) => Object.hasOwn(v, t))) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$map' && Array.isArray(v.$map)) return 'map';
    if (keys.length === 1 && keys[0] === '$set' && Array.isArray(v.$set)) return 'set';
    if (keys.length <= 2 && LEAF_TAGS.includes(keys[0])) return 'leaf';
  }
  if (typeof v['@hindsight'] === 'string') return 'leaf';
  return 'object';
}

/** A leaf (or a Map key) as people read it: 10n, Date(...), undefined, "text". */
export function leafText(v) {
  if (v === null || typeof v !== 'object') return typeof v === 'string' ? JSON.stringify(v) : String(v);
  if ('$bigint' in v) return `${v.$bigint}n`;
  if ('$date' in v) return v.$date === null ? 'Invalid Date' : `Date(${v.$date})`;
  if ('$undefined' in v) return 'undefined';
  if ('$number' in v) return v.$number;
  if ('$bytes' in v) return `${v.type}(base64 ${v.$bytes.length > 24 ? `${v.$bytes.slice(0, 24)}…` : v.$bytes})`;
  if ('$regexp' in v) return v.$regexp;
  if (typeof v['@hindsight'] === 'string') return `[${v['@hindsight']}${v.name ? ` ${v.name}` : v.description ? ` ${v.description}` : ''}]`;
  return summaryText(v);
}

/** A container in one line: {3}, Array(2), Map(1), Set(4). */
export function summaryText(v) {
  switch (kindOf(v)) {
    case 'array':
      return `Array(${v.length})`;
    case 'map':
      return `Map(${v.$map.length})`;
    case 'set':
      return `Set(${v.$set.length})`;
    case 'object':
      return `{${Object.keys(v).length}}`;
    default:
      return leafText(v);
  }
}

/**
 * The first `limit` children of a container: { label, json: JSON path
 * segments from the container to the child, seg: the recorded path segment
 * (what `history` takes) or undefined where a key has no segment form,
 * value }. Object Map keys and object Set elements are `{ ref: n }`
 * segments: their position among the object keys (elements), as the
 * recorder writes paths.
 */
export function entriesOf(v, limit = Infinity) {
  switch (kindOf(v)) {
    case 'array':
      return v.slice(0, limit).map((value, i) => ({ label: String(i), json: [i], seg: i, value }));
    case 'object':
      return Object.keys(v)
        .slice(0, limit)
        .map((k) => ({ label: k, json: [k], seg: k, value: v[k] }));
    case 'map': {
      let refs = 0;
      return v.$map.slice(0, limit).map(([key, value], i) => ({ label: keyLabel(key), json: ['$map', i, 1], seg: segmentOf(key, () => refs++), value }));
    }
    case 'set': {
      let refs = 0;
      return v.$set.slice(0, limit).map((value, i) => ({ label: String(i), json: ['$set', i], seg: segmentOf(value, () => refs++), value }));
    }
    default:
      return [];
  }
}

/** How many children a container has. */
export function sizeOf(v) {
  switch (kindOf(v)) {
    case 'array':
      return v.length;
    case 'object':
      return Object.keys(v).length;
    case 'map':
      return v.$map.length;
    case 'set':
      return v.$set.length;
    default:
      return 0;
  }
}

/** A Map key as a path label: a string key as itself (as the CLI prints paths), others as leaves. */
export function keyLabel(key) {
  return typeof key === 'string' ? key : leafText(key);
}

function segmentOf(key, nextRef) {
  if (key === null || typeof key !== 'object') return key;
  // A tagged primitive (bigint, -0...) has no JSON form in a path.
  return kindOf(key) === 'leaf' ? undefined : { ref: nextRef() };
}

/** A recorded path as dotted text ({ ref: n } as [ref n]), like the CLI prints it. */
export function formatPath(path) {
  return path.map((s) => (typeof s === 'object' && s !== null ? `[ref ${s.ref}]` : String(s))).join('.');
}
