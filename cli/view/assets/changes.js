/**
 * What changed between two states: a delta in jsondiffpatch's format
 * (jsondiffpatch matching the items of arrays, Maps and Sets), read back into
 * the tree nodes to highlight and a list of changed paths with their values.
 */
import { create } from 'jsondiffpatch';
import { keyLabel, kindOf } from './values.js';

const differ = create({
  // Map entries ([key, value] pairs) match by key, objects with an id by id, anything else by position.
  objectHash: (item, index) => {
    if (Array.isArray(item) && item.length === 2) return `k:${JSON.stringify(item[0])}`;
    if (item && typeof item === 'object' && 'id' in item) return `id:${JSON.stringify(item.id)}`;
    return `at:${index}`;
  },
  arrays: { detectMove: false },
});

function setKey(obj, key, value) {
  // A key named __proto__ (own, from JSON.parse) must stay a key, not become the prototype.
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * The delta from `a` to `b`, in jsondiffpatch's format. Plain-object levels
 * are compared key by key here, where an unchanged key costs one `===`, so
 * the work follows what changed rather than the size of the state (a
 * 10,000-key state scrubbed far holds thousands of changes: jsondiffpatch's
 * per-node pipeline made that ~50 ms). Arrays, Maps and Sets, whose items
 * must be matched, and tagged leaves go to jsondiffpatch.
 */
function delta(a, b) {
  if (a === b) return undefined;
  const objects = a !== null && typeof a === 'object' && b !== null && typeof b === 'object';
  if (!objects) return [a, b];
  if (kindOf(a) !== 'object' || kindOf(b) !== 'object') return differ.diff(a, b);
  let out;
  const put = (k, d) => setKey((out ??= {}), k, d);
  for (const k of Object.keys(a)) {
    if (!Object.hasOwn(b, k)) put(k, [a[k], 0, 0]);
    else {
      const d = delta(a[k], b[k]);
      if (d !== undefined) put(k, d);
    }
  }
  for (const k of Object.keys(b)) if (!Object.hasOwn(a, k)) put(k, [b[k]]);
  return out;
}

/**
 * jsondiffpatch writes an array element replaced by an unrelated value as a
 * removal (`_i: [old, 0, 0]`) plus an insertion (`i: [new]`): one change here.
 */
function mergeReplaced(d) {
  if (d._t !== 'a') return d;
  const out = { ...d };
  for (const k of Object.keys(d)) {
    const old = d[`_${k}`];
    if (k.startsWith('_') || !Array.isArray(d[k]) || d[k].length !== 1 || !Array.isArray(old) || old[2] !== 0) continue;
    out[k] = [old[0], d[k][0]];
    delete out[`_${k}`];
  }
  return out;
}

/**
 * @returns {{ nodes: Map<string, { kind: 'added'|'changed'|'removed', before?: unknown, path: (string|number)[] }>, list: { path: string, kind: string, before?: unknown, after?: unknown }[], count: number }}
 * nodes: tree nodes (JSON keys of their JSON paths) to highlight; 'removed'
 * marks the parent of something that went away. list: the first `listed`
 * changes with the path people read (Map keys as themselves); count: all of them.
 */
export function compare(before, after, listed = Infinity) {
  const nodes = new Map();
  const list = [];
  const mark = (path, kind, before) => {
    const key = JSON.stringify(path);
    if (!nodes.has(key)) nodes.set(key, { kind, before, path });
  };
  let count = 0;
  const leaf = (d, json, labels, parent = json.slice(0, -1)) => {
    const kind = d.length === 1 ? 'added' : d.length === 3 && d[2] === 0 ? 'removed' : 'changed';
    // Gone from the tree, a removed node leaves the mark on its parent (a Map's or Set's node for an entry).
    if (kind === 'removed') mark(parent, kind);
    else mark(json, kind, kind === 'changed' ? d[0] : undefined);
    if (++count > listed) return;
    const path = labels.join('.');
    if (kind === 'added') list.push({ path, kind, after: d[0] });
    else if (kind === 'removed') list.push({ path, kind, before: d[0] });
    else list.push({ path, kind, before: d[0], after: d[1] });
  };
  const walk = (d, old, now, json, labels) => {
    if (Array.isArray(d)) return leaf(d, json, labels);
    const kind = kindOf(now ?? old);
    if (kind === 'leaf') return leaf([old, now], json, labels);
    if (kind === 'map' || kind === 'set') {
      const tag = kind === 'map' ? '$map' : '$set';
      const inner = d[tag];
      if (!inner || Array.isArray(inner)) return leaf([old, now], json, labels);
      for (const k of Object.keys(inner)) {
        if (k === '_t') continue;
        const removed = k.startsWith('_');
        const i = Number(removed ? k.slice(1) : k);
        const item = (removed ? old : now)?.[tag]?.[i];
        const label = kind === 'map' ? keyLabel(item?.[0]) : String(i);
        const childJson = kind === 'map' ? [...json, '$map', i, 1] : [...json, '$set', i];
        const sub = inner[k];
        if (Array.isArray(sub)) {
          // A whole entry added or removed: show its value, not the [key, value] pair.
          const entry = kind === 'map' ? sub.map((pair, n) => (n < 2 && Array.isArray(pair) ? pair[1] : pair)) : sub;
          leaf(entry, childJson, [...labels, label], json);
        } else if (kind === 'map') {
          const value = mergeReplaced(sub)[1];
          if (value !== undefined) walk(value, old?.$map?.[i]?.[1], now?.$map?.[i]?.[1], childJson, [...labels, label]);
        }
      }
      return;
    }
    const merged = mergeReplaced(d);
    for (const k of Object.keys(merged)) {
      // `_t` marks an array's delta; in an object's, it is the object's own key.
      if (k === '_t' && d._t === 'a') continue;
      const removed = d._t === 'a' && k.startsWith('_');
      const seg = d._t === 'a' ? Number(removed ? k.slice(1) : k) : k;
      walk(merged[k], old?.[seg], removed ? undefined : now?.[seg], [...json, seg], [...labels, String(seg)]);
    }
  };
  const d = delta(before, after);
  if (d) walk(d, before, after, [], []);
  return { nodes, list, count };
}
