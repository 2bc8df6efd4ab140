/**
 * Dotted paths on the command line (`shop.carts.ada.total`): the first
 * segment is the tracked name, the rest walk objects, arrays and Maps.
 */
import { parsePath } from '../reconstructor/Recording.js';

const MISSING = Symbol('missing');

function child(node: unknown, seg: string): unknown {
  if (node instanceof Map) {
    if (node.has(seg)) return node.get(seg);
    // Map keys typed on the command line are text; numeric keys are common.
    const n = Number(seg);
    return seg !== '' && node.has(n) ? node.get(n) : MISSING;
  }
  if (Array.isArray(node)) return /^\d+$/.test(seg) && Number(seg) < node.length ? node[Number(seg)] : MISSING;
  if (typeof node === 'object' && node !== null && Object.prototype.hasOwnProperty.call(node, seg)) return (node as Record<string, unknown>)[seg];
  return MISSING;
}

/** The value at `path` inside `state`, or `{ found: false }` when some segment does not exist. */
export function valueAtPath(state: unknown, path: string): { found: true; value: unknown } | { found: false; missing: string } {
  const segs = parsePath(path) as string[];
  let cur = state;
  for (let i = 0; i < segs.length; i++) {
    cur = child(cur, segs[i]);
    if (cur === MISSING) return { found: false, missing: segs.slice(0, i + 1).join('.') };
  }
  return { found: true, value: cur };
}

/** A recorded path ([name, ...segments]) as dotted text; `{ ref }` segments as [ref n]. */
export function formatPath(path: readonly unknown[]): string {
  return path.map((s) => (typeof s === 'object' && s !== null ? `[${Object.entries(s).map(([k, v]) => `${k} ${String(v)}`).join(' ')}]` : String(s))).join('.');
}
