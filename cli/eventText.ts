/** How one recorded event is shown to people and rendered as JSON, shared by events, step and export. */
import { inspect } from 'node:util';
import type { HindsightEvent } from '../src/events.js';
import type { StatePatch } from '../src/tracking/patches.js';
import { toLive } from '../src/values/toLive.js';
import { formatPath } from './paths.js';
import { toJson } from './output.js';

/** The JSON form of an event: seq, t, kind, name, traceId?, spanId?, data? (data with toJson's tagged forms). */
export function eventJson(e: HindsightEvent): Record<string, unknown> {
  const doc: Record<string, unknown> = { seq: e.seq, t: e.t, kind: e.kind, name: e.name };
  if (e.traceId !== undefined) doc.traceId = e.traceId;
  if (e.spanId !== undefined) doc.spanId = e.spanId;
  // toLive unboxes stored -0 so the rendering says "-0", not an internal class.
  if ('data' in e) doc.data = toJson(toLive(e.data));
  return doc;
}

const brief = (v: unknown): string => inspect(toLive(v), { depth: 2, breakLength: Infinity, compact: true, maxArrayLength: 8, maxStringLength: 60 });

/** [name, ...path] a state.patch event addressed. */
export function patchTarget(e: HindsightEvent): unknown[] {
  const p = e.data as StatePatch;
  return [p.name, ...(p.path ?? [])];
}

/** One line: what the event did. For a patch, the path and its old and new values. */
export function eventSummary(e: HindsightEvent): string {
  if (e.kind === 'state.patch' && e.data && typeof e.data === 'object') {
    const p = e.data as StatePatch;
    const path = formatPath(patchTarget(e));
    switch (p.op) {
      case 'replace':
        return `${path} = ${brief(p.value)}${'prev' in p ? ` (was ${brief(p.prev)})` : ''}`;
      case 'add':
        return `${path} + ${brief(p.value)}`;
      case 'remove':
        return `${path} removed (was ${brief(p.prev)})`;
      case 'splice':
        return `${path} splice @${p.index}: -${brief(p.prev)} +${brief(p.value)}`;
      case 'clear':
        return `${path} cleared`;
      default:
        return `${path} ${String(p.op)}`;
    }
  }
  return e.data === undefined ? '' : brief(e.data);
}
