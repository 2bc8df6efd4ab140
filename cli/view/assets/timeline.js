/**
 * The timeline of a session, in SVG: event density, markers and errors as
 * ticks, the cursor (the chosen instant) and the pinned instant above; the
 * span waterfall below, one row per span under its parent. Click or drag to
 * scrub, the wheel zooms around the pointer, shift-drag zooms to a range.
 * It shows only what it is given: the page fetches density and spans for the
 * visible window.
 */

const NS = 'http://www.w3.org/2000/svg';
const HEIGHT = 92;
const BARS_TOP = 16;
const BARS_BOTTOM = 72;
const ROW = 18;
/** The narrowest window a zoom reaches, µs. */
const MIN_WINDOW = 20;

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** µs as people read an offset: 40us, 12.5ms, 1.250s. */
export function formatOffset(us) {
  const a = Math.abs(us);
  const text = a < 1000 ? `${Math.round(a)}us` : a < 1_000_000 ? `${(a / 1000).toFixed(1)}ms` : `${(a / 1_000_000).toFixed(3)}s`;
  return `${us < 0 ? '-' : '+'}${text}`;
}

/** µs since the epoch as ISO-8601 with microseconds (as the CLI prints instants). */
export function formatTime(t) {
  const ms = Math.floor(t / 1000);
  return `${new Date(ms).toISOString().slice(0, -1)}${String(t - ms * 1000).padStart(3, '0')}Z`;
}

/** A stable hue per trace, so one request's spans share a colour. */
function hue(traceId = '') {
  let h = 0;
  for (let i = 0; i < traceId.length; i++) h = (h * 31 + traceId.charCodeAt(i)) % 360;
  return h;
}

export const spanKey = (s) => `${s.traceId ?? ''}/${s.spanId ?? ''}`;

/** A span's name and, when known, the request it served or made ("POST /checkout/ada"). */
export const spanLabel = (s) => (s.target ? `${s.name} ${s.target}` : s.name);

export class Timeline {
  /**
   * @param {{ overview: SVGSVGElement, lanes: SVGSVGElement, cursorEl: HTMLElement, label: HTMLElement }} els
   * @param {{ onScrub(t: number): void, onSeq(seq: number): void, onSpan(span: object): void, onWindow(from: number, to: number): void }} handlers
   */
  constructor(els, handlers) {
    Object.assign(this, els);
    this.handlers = handlers;
    this.density = { from: 0, to: 0, counts: [] };
    this.spans = [];
    this.spanTotal = 0;
    this.markers = [];
    this.errors = [];
    this.cursor = undefined;
    this.pinned = undefined;
    this.selected = undefined;
    this.bounds = [0, 1];
    this.window = [0, 1];
    this.widthPx = this.overview.clientWidth;
    this.listen();
    new ResizeObserver(([entry]) => {
      this.widthPx = entry.contentRect.width;
      this.render();
    }).observe(this.overview);
  }

  /** A session's outline (from /api/summary): shows the whole session. */
  setSession(summary) {
    // A zoom still pending belongs to the previous session's window.
    clearTimeout(this.zoomTimer);
    this.bounds = [summary.from, Math.max(summary.to, summary.from + MIN_WINDOW)];
    this.window = [...this.bounds];
    this.markers = summary.markers;
    this.errors = summary.errors;
    this.density = { from: summary.from, to: summary.to, counts: summary.density.counts };
    this.spans = [];
    this.spanTotal = 0;
    this.render();
  }

  setDensity(d) {
    this.density = d;
    this.render();
  }

  setSpans(w) {
    this.spans = w.spans;
    this.spanTotal = w.total;
    this.render();
  }

  /** Moves the cursor layer only: the rest of the timeline does not change with the instant. */
  setCursor(t) {
    this.cursor = t;
    const x = t === undefined ? -1 : this.x(t);
    this.cursorEl.hidden = x < 0 || x > this.width;
    this.cursorEl.style.transform = `translateX(${x}px)`;
  }

  setPinned(t) {
    this.pinned = t;
    this.render();
  }

  select(span) {
    this.selected = span && spanKey(span);
    this.render();
  }

  /** Kept from the last resize: reading clientWidth after the page changed would force a layout on every step. */
  get width() {
    return Math.max(100, this.widthPx);
  }

  x(t) {
    const [from, to] = this.window;
    return ((t - from) / (to - from)) * this.width;
  }

  t(x) {
    const [from, to] = this.window;
    return Math.round(from + (Math.min(Math.max(x, 0), this.width) / this.width) * (to - from));
  }

  /** Zooms to [from, to] (clamped to the session) and asks for its density and spans. */
  zoom(from, to) {
    const [lo, hi] = this.bounds;
    const width = Math.min(hi - lo, Math.max(MIN_WINDOW, to - from));
    const start = Math.min(Math.max(lo, from), hi - width);
    this.window = [Math.round(start), Math.round(start + width)];
    this.render();
    clearTimeout(this.zoomTimer);
    // A wheel turn sends a burst of events: fetch once it settles.
    this.zoomTimer = setTimeout(() => this.handlers.onWindow(...this.window), 120);
  }

  reset() {
    this.zoom(...this.bounds);
  }

  listen() {
    const o = this.overview;
    let drag;
    const at = (ev) => ev.clientX - o.getBoundingClientRect().left;
    o.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      o.setPointerCapture(ev.pointerId);
      drag = { select: ev.shiftKey, x0: at(ev) };
      if (!drag.select) this.handlers.onScrub(this.t(drag.x0));
    });
    o.addEventListener('pointermove', (ev) => {
      if (!drag) return;
      if (drag.select) {
        drag.x1 = at(ev);
        this.render(drag);
      } else this.handlers.onScrub(this.t(at(ev)));
    });
    o.addEventListener('pointerup', () => {
      const d = drag;
      drag = undefined;
      if (d?.select && d.x1 !== undefined && Math.abs(d.x1 - d.x0) > 3) this.zoom(this.t(Math.min(d.x0, d.x1)), this.t(Math.max(d.x0, d.x1)));
      else if (d?.select) this.render();
    });
    const wheel = (ev) => {
      ev.preventDefault();
      const [from, to] = this.window;
      const pivot = this.t(at(ev));
      const factor = ev.deltaY > 0 ? 1.25 : 0.8;
      this.zoom(pivot - (pivot - from) * factor, pivot + (to - pivot) * factor);
    };
    o.addEventListener('wheel', wheel, { passive: false });
    this.lanes.addEventListener('wheel', wheel, { passive: false });
  }

  render(selection) {
    const [from, to] = this.window;
    const [lo] = this.bounds;
    const w = this.width;
    const shown = this.spanTotal > this.spans.length ? `, the first ${this.spans.length} of ${this.spanTotal} spans` : '';
    this.label.textContent = `${formatOffset(from - lo)} … ${formatOffset(to - lo)} of the session${shown}`;
    this.renderOverview(w, selection);
    this.renderLanes(w);
    this.setCursor(this.cursor);
  }

  renderOverview(w, selection) {
    const o = this.overview;
    o.setAttribute('width', w);
    o.setAttribute('height', HEIGHT);
    const parts = [];
    const { counts, from: dFrom, to: dTo } = this.density;
    const max = Math.max(1, ...counts);
    const step = (dTo - dFrom) / Math.max(1, counts.length);
    counts.forEach((n, i) => {
      if (n === 0) return;
      const x0 = this.x(dFrom + i * step);
      const x1 = this.x(dFrom + (i + 1) * step);
      const h = ((BARS_BOTTOM - BARS_TOP) * n) / max;
      const bar = svg('rect', { class: 'bar', x: x0, y: BARS_BOTTOM - h, width: Math.max(1, x1 - x0 - 0.5), height: h });
      bar.append(svg('title', {}, `${n} event(s)`));
      parts.push(bar);
    });
    parts.push(svg('line', { class: 'axis', x1: 0, x2: w, y1: BARS_BOTTOM, y2: BARS_BOTTOM }));
    for (let i = 0; i <= 4; i++) {
      const x = (w * i) / 4;
      parts.push(svg('text', { class: 'tick', x: Math.min(Math.max(x, 2), w - 2), y: HEIGHT - 6, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, formatOffset(this.t(x) - this.bounds[0])));
    }
    for (const m of this.markers) parts.push(this.tick(m, 'marker', m.name));
    for (const e of this.errors) parts.push(this.tick(e, 'error', `${e.name}${e.message ? `: ${e.message}` : ''}`));
    if (this.pinned !== undefined) parts.push(svg('line', { class: 'pinned', x1: this.x(this.pinned), x2: this.x(this.pinned), y1: 0, y2: BARS_BOTTOM }));
    if (selection?.x1 !== undefined) {
      parts.push(svg('rect', { class: 'selection', x: Math.min(selection.x0, selection.x1), y: 0, width: Math.abs(selection.x1 - selection.x0), height: BARS_BOTTOM }));
    }
    o.replaceChildren(...parts);
  }

  /** A marker or error: a tick with a label, a click jumps to it. */
  tick(ev, cls, text) {
    const x = this.x(ev.t);
    const g = svg('g', { class: `tick-${cls}`, 'data-seq': ev.seq });
    g.append(svg('line', { x1: x, x2: x, y1: 2, y2: BARS_BOTTOM }), svg('rect', { class: 'hit', x: x - 4, y: 0, width: 8, height: BARS_BOTTOM }));
    if (cls === 'marker') g.append(svg('text', { x: x + 3, y: 11 }, ev.name));
    g.append(svg('title', {}, `${text} (seq ${ev.seq})`));
    g.addEventListener('pointerdown', (e) => e.stopPropagation());
    g.addEventListener('click', () => this.handlers.onSeq(ev.seq));
    return g;
  }

  renderLanes(w) {
    const l = this.lanes;
    const rows = this.spans.length;
    l.setAttribute('width', w);
    l.setAttribute('height', Math.max(ROW, rows * ROW));
    const parts = [];
    const rowOf = new Map(this.spans.map((s, i) => [spanKey(s), i]));
    const [, hi] = this.bounds;
    this.spans.forEach((s, i) => {
      const x0 = Math.max(-1, this.x(s.startT));
      const x1 = Math.min(w + 1, this.x(s.endT ?? hi));
      const parent = s.parentSpanId === undefined ? undefined : rowOf.get(`${s.traceId ?? ''}/${s.parentSpanId}`);
      if (parent !== undefined) parts.push(svg('line', { class: 'parentage', x1: x0, x2: x0, y1: parent * ROW + ROW - 3, y2: i * ROW + ROW / 2 }));
      const key = spanKey(s);
      const g = svg('g', { class: `span${s.error ? ' failed' : ''}${s.endT === undefined ? ' open' : ''}${key === this.selected ? ' selected' : ''}`, 'data-span-id': s.spanId ?? '', 'data-trace-id': s.traceId ?? '' });
      const bar = svg('rect', { x: x0, y: i * ROW + 3, width: Math.max(2, x1 - x0), height: ROW - 6, rx: 2 });
      if (!s.error) bar.style.fill = `hsl(${hue(s.traceId)} 55% 62%)`;
      // Labels of spans near the right edge go left of their bar, where there is room.
      const label = x0 > w * 0.7 ? { x: x0 - 3, 'text-anchor': 'end' } : { x: Math.max(2, x0) + 3 };
      g.append(bar, svg('text', { ...label, y: i * ROW + ROW - 5 }, spanLabel(s)));
      g.append(svg('title', {}, `${spanLabel(s)} · trace ${(s.traceId ?? '').slice(0, 8)} · ${s.endT === undefined ? 'never ended' : formatOffset(s.endT - s.startT).slice(1)}`));
      g.addEventListener('click', () => this.handlers.onSpan(s));
      parts.push(g);
    });
    if (rows === 0) parts.push(svg('text', { class: 'empty', x: 4, y: ROW - 5 }, 'no spans in this window'));
    l.replaceChildren(...parts);
  }
}
