/**
 * What changed between two states: jsondiffpatch's delta, read back into the
 * tree nodes to highlight and a list of changed paths with their values.
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
 * @returns {{ nodes: Map<string, { kind: 'added'|'changed'|'removed', before?: unknown }>, list: { path: string, kind: string, before?: unknown, after?: unknown }[] }}
 * nodes: tree nodes (JSON keys of their JSON paths) to highlight; 'removed'
 * marks the parent of something that went away. list: each change with the
 * path people read (Map keys as themselves).
 */
export function compare(before, after) {
  const nodes = new Map();
  const list = [];
  const mark = (path, kind, before) => {
    const key = JSON.stringify(path);
    if (!nodes.has(key)) nodes.set(key, { kind, before });
  };
  const leaf = (d, json, labels) => {
    const path = labels.join('.');
    if (d.length === 1) {
      mark(json, 'added');
      list.push({ path, kind: 'added', after: d[0] });
    } else if (d.length === 3 && d[2] === 0) {
      // Gone from the tree: its parent carries the mark.
      mark(json.slice(0, -1), 'removed');
      list.push({ path, kind: 'removed', before: d[0] });
    } else {
      mark(json, 'changed', d[0]);
      list.push({ path, kind: 'changed', before: d[0], after: d[1] });
    }
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
          leaf(entry, childJson, [...labels, label]);
        } else if (kind === 'map') {
          const value = mergeReplaced(sub)[1];
          if (value !== undefined) walk(value, old?.$map?.[i]?.[1], now?.$map?.[i]?.[1], childJson, [...labels, label]);
        }
      }
      return;
    }
    const merged = mergeReplaced(d);
    for (const k of Object.keys(merged)) {
      if (k === '_t') continue;
      const removed = d._t === 'a' && k.startsWith('_');
      const seg = d._t === 'a' ? Number(removed ? k.slice(1) : k) : k;
      walk(merged[k], old?.[seg], removed ? undefined : now?.[seg], [...json, seg], [...labels, String(seg)]);
    }
  };
  const delta = differ.diff(before, after);
  if (delta) walk(delta, before, after, [], []);
  return { nodes, list };
}
