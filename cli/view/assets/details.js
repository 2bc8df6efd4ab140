/** The details panel: a span (its start, end, attributes) or the history of a path. */
import { formatOffset, spanLabel } from './timeline.js';
import { kindOf, leafText } from './values.js';

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function button(text, onClick) {
  const b = el('button', text);
  b.addEventListener('click', onClick);
  return b;
}

/** A recorded value in one line: leaves as the tree shows them, containers as JSON. */
export function brief(v, max = 80) {
  const text = kindOf(v) === 'leaf' ? leafText(v) : JSON.stringify(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function table(rows) {
  const t = el('table');
  for (const [k, v] of rows) {
    const tr = el('tr');
    tr.append(el('th', k), el('td', v));
    t.append(tr);
  }
  return t;
}

/**
 * @param {HTMLElement} panel
 * @param {HTMLElement} title the panel's heading
 * @param {object} span from /api/spans
 * @param {object | undefined} end its span.end event (attributes, status), when it ended
 * @param {{ startT: number, onSeq(seq: number): void, onTrace(traceId: string): void }} ctx
 */
export function showSpan(panel, title, span, end, ctx) {
  title.textContent = `Span ${spanLabel(span)}`;
  const rows = [
    ['trace', span.traceId ?? ''],
    ['span', span.spanId ?? ''],
    ['parent', span.parentSpanId ?? '(root)'],
    ['start', `seq ${span.startSeq}, ${formatOffset(span.startT - ctx.startT)}`],
    ['end', span.endSeq === undefined ? 'never ended' : `seq ${span.endSeq}, ${formatOffset(span.endT - ctx.startT)}`],
  ];
  if (span.endT !== undefined) rows.push(['duration', formatOffset(span.endT - span.startT).slice(1)]);
  if (span.error) rows.push(['status', 'error']);
  const actions = el('div', undefined, 'actions');
  actions.append(button('jump to start', () => ctx.onSeq(span.startSeq)));
  if (span.endSeq !== undefined) actions.append(button('jump to end', () => ctx.onSeq(span.endSeq)));
  if (span.traceId) actions.append(button('events of this trace', () => ctx.onTrace(span.traceId)));
  const parts = [table(rows), actions];
  // Fields the span did not have (recorded as undefined) are left out here: this is the span, not a state.
  const absent = (_k, v) => (v && typeof v === 'object' && v.$undefined === true && Object.keys(v).length === 1 ? undefined : v);
  if (end?.data !== undefined) parts.push(el('pre', JSON.stringify(end.data, absent, 2), 'span-data'));
  panel.replaceChildren(...parts);
}

/**
 * @param {string} label the path as people read it
 * @param {{ total: number, entries: object[] }} answer from /api/history
 * @param {{ startT: number, onSeq(seq: number): void }} ctx
 */
export function showHistory(panel, title, label, answer, ctx) {
  title.textContent = `History of ${label}`;
  if (answer.entries.length === 0) {
    panel.replaceChildren(el('p', `no recorded change to ${label}`, 'empty'));
    return;
  }
  const t = el('table', undefined, 'history');
  const head = el('tr');
  for (const h of ['seq', 'at', 'op', 'before', 'after', 'trace']) head.append(el('th', h));
  t.append(head);
  for (const h of answer.entries) {
    const tr = el('tr', undefined, 'jump');
    tr.dataset.seq = String(h.seq);
    const cells = [String(h.seq), formatOffset(h.t - ctx.startT), h.op, 'prev' in h ? brief(h.prev, 40) : '', 'value' in h ? brief(h.value, 40) : '', (h.traceId ?? '').slice(0, 8)];
    for (const c of cells) tr.append(el('td', c));
    tr.addEventListener('click', () => ctx.onSeq(h.seq));
    t.append(tr);
  }
  const parts = [t];
  if (answer.total > answer.entries.length) parts.push(el('p', `the first ${answer.entries.length} of ${answer.total} changes`, 'empty'));
  panel.replaceChildren(...parts);
}
