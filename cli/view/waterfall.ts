/** The span lanes of the timeline: spans overlapping a window, each under its parent (a waterfall). */
import { spanKey } from '../../reconstructor/spans.js';
import type { OutlineSpan } from '../../reconstructor/summary.js';

export interface WaterfallSpan extends OutlineSpan {
  /** Levels below its nearest ancestor shown in the same window (0: a root there). */
  depth: number;
}

export interface Waterfall {
  spans: WaterfallSpan[];
  /** Spans overlapping the window, shown or not. */
  total: number;
}

/**
 * Spans (in start order) that overlap [from, to], a span still open counting
 * as open until `openUntil`; the first `limit` of them by start, ordered depth
 * first so each child follows its parent and its earlier siblings.
 */
export function waterfall(spans: readonly OutlineSpan[], from: number, to: number, openUntil: number, limit: number): Waterfall {
  const overlapping = spans.filter((s) => s.startT <= to && (s.endT ?? openUntil) >= from);
  const shown = overlapping.slice(0, limit);
  const byKey = new Map(shown.map((s) => [spanKey(s.traceId, s.spanId), s]));
  const children = new Map<OutlineSpan, OutlineSpan[]>();
  const roots: OutlineSpan[] = [];
  for (const s of shown) {
    const parent = s.parentSpanId === undefined ? undefined : byKey.get(spanKey(s.traceId, s.parentSpanId));
    if (parent && parent !== s) {
      const list = children.get(parent);
      if (list) list.push(s);
      else children.set(parent, [s]);
    } else roots.push(s);
  }
  const out: WaterfallSpan[] = [];
  const seen = new Set<OutlineSpan>();
  // Iterative depth-first walk: a deep chain of spans must not exhaust the stack.
  const walk = (root: OutlineSpan): void => {
    const stack = [{ span: root, depth: 0 }];
    while (stack.length > 0) {
      const { span, depth } = stack.pop()!;
      if (seen.has(span)) continue;
      seen.add(span);
      out.push({ ...span, depth });
      const kids = children.get(span) ?? [];
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i], depth: depth + 1 });
    }
  };
  roots.forEach(walk);
  // Spans whose parents form a cycle (a broken recording) have no root: show them anyway.
  if (out.length < shown.length) shown.filter((s) => !seen.has(s)).forEach(walk);
  return { spans: out, total: overlapping.length };
}
