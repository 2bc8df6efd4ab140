/**
 * The event list: the events on either side of the chosen instant, filtered
 * by kind, name or trace (fetched as two small windows, never the session).
 * Clicking an event jumps to the instant right after it.
 */
import { api } from './api.js';
import { formatOffset } from './timeline.js';

const SIDE = 12;

export class EventList {
  /**
   * @param {HTMLOListElement} list
   * @param {{ kind: HTMLSelectElement, name: HTMLInputElement, trace: HTMLInputElement }} filters
   * @param {{ onSeq(seq: number): void }} handlers
   */
  constructor(list, filters, handlers) {
    this.list = list;
    this.filters = filters;
    this.handlers = handlers;
    this.ticket = 0;
    let timer;
    const changed = () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.reload(), 200);
    };
    filters.kind.addEventListener('change', changed);
    filters.name.addEventListener('input', changed);
    filters.trace.addEventListener('input', changed);
  }

  /** Shows the events around `seq` of `session` (startT anchors the offsets). */
  show(session, startT, seq) {
    Object.assign(this, { session, startT, seq });
    return this.reload();
  }

  /** Restricts the list to one trace (from a span's details). */
  filterTrace(traceId) {
    this.filters.trace.value = traceId;
    return this.reload();
  }

  async reload() {
    if (this.session === undefined) return;
    const ticket = ++this.ticket;
    const f = this.filters;
    const filter = { session: this.session, kind: f.kind.value, name: f.name.value.trim(), trace: f.trace.value.trim(), limit: SIDE };
    try {
      const [before, after] = await Promise.all([api('events', { ...filter, toSeq: this.seq, reverse: 1 }), api('events', { ...filter, fromSeq: this.seq + 1 })]);
      if (ticket !== this.ticket) return;
      const rows = [...before.events.reverse().map((e) => this.row(e)), this.now(), ...after.events.map((e) => this.row(e))];
      this.list.replaceChildren(...rows);
      // Scroll the list only (scrollIntoView would scroll the page too); the list is positioned, so offsetTop is within it.
      const now = this.list.querySelector('.now');
      this.list.scrollTop = now.offsetTop - this.list.clientHeight / 2;
    } catch (err) {
      if (ticket !== this.ticket) return;
      const li = document.createElement('li');
      li.className = 'failed';
      li.textContent = err.message;
      this.list.replaceChildren(li);
    }
  }

  row(e) {
    const li = document.createElement('li');
    li.dataset.seq = String(e.seq);
    li.className = `kind-${e.kind.replace(/\W/g, '-')}${e.seq === this.seq ? ' current' : ''}`;
    const cells = [['seq', String(e.seq)], ['offset', formatOffset(e.t - this.startT)], ['kind', e.kind], ['name', e.name], ['what', e.summary]];
    for (const [cls, text] of cells) {
      const span = document.createElement('span');
      span.className = cls;
      span.textContent = text;
      li.append(span);
    }
    li.title = e.traceId ? `trace ${e.traceId}` : '';
    li.addEventListener('click', () => this.handlers.onSeq(e.seq));
    return li;
  }

  /** The line marking the chosen instant: after every event above it. */
  now() {
    const li = document.createElement('li');
    li.className = 'now';
    li.textContent = `▲ state shown: after seq ${this.seq}`;
    return li;
  }
}
