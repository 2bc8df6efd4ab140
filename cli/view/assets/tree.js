/**
 * The state tree at the chosen instant: expand and collapse, filter by path,
 * changed nodes highlighted (with the value they had), and "history" on any
 * node whose path the recording can address. Only open nodes are built, and
 * a container shows its children a few hundred at a time.
 */
import { entriesOf, formatPath, kindOf, leafText, sizeOf, summaryText } from './values.js';

/** Children shown per container before 'show more': every row is laid out again at each step. */
const PAGE = 50;
/** Past this many changes, changed nodes are highlighted but not all opened. */
const AUTO_OPEN_CHANGES = 50;
/** The filter walks at most this many nodes (a huge state still answers). */
const FILTER_NODES = 200_000;

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

/** JSON keys of every proper ancestor of each JSON path. */
function ancestorsOf(paths) {
  const out = new Set();
  for (const path of paths) {
    // Deepest first: once an ancestor is known, so are all of its own (siblings share them).
    for (let n = path.length - 1; n >= 0; n--) {
      const key = JSON.stringify(path.slice(0, n));
      if (out.has(key)) break;
      out.add(key);
    }
  }
  return out;
}

export class StateTree {
  /** @param {HTMLElement} root @param {{ onHistory(path: unknown[], label: string): void }} handlers */
  constructor(root, handlers) {
    this.root = root;
    this.handlers = handlers;
    this.opened = new Set();
    this.closed = new Set();
    this.limits = new Map();
    this.state = {};
    this.changes = new Map();
    this.filter = '';
  }

  /** Shows `state`, highlighting `changes` (from compare()). */
  show(state, changes) {
    this.state = state;
    this.changes = changes;
    this.render();
  }

  setFilter(text) {
    this.filter = text.trim().toLowerCase();
    this.render();
  }

  render() {
    this.containsChange = ancestorsOf(Array.from(this.changes.values(), (c) => c.path));
    this.autoOpen = this.changes.size <= AUTO_OPEN_CHANGES ? this.containsChange : new Set();
    this.matches = this.filter ? this.match() : undefined;
    const top = entriesOf(this.state);
    const nodes = top.map((e) => this.node(e, e.json, [e.seg], [e.label], 0, false)).filter(Boolean);
    if (nodes.length === 0) nodes.push(el('p', 'empty', top.length === 0 ? 'nothing tracked yet at this instant' : 'no path matches the filter'));
    this.root.replaceChildren(...nodes);
  }

  /** Filter matches: { hit: nodes whose path contains the text, onPath: their ancestors }. */
  match() {
    const hit = new Map();
    let budget = FILTER_NODES;
    const walk = (value, json, labels) => {
      for (const e of entriesOf(value)) {
        if (--budget < 0) return;
        const path = [...json, ...e.json];
        const text = [...labels, e.label];
        if (text.join('.').toLowerCase().includes(this.filter)) hit.set(JSON.stringify(path), path);
        walk(e.value, path, text);
      }
    };
    walk(this.state, [], []);
    return { hit, onPath: ancestorsOf(hit.values()) };
  }

  /** One node and, when open, its children; undefined when the filter hides it. */
  node(entry, json, segs, labels, depth, insideMatch) {
    const key = JSON.stringify(json);
    const m = this.matches;
    const hit = insideMatch || (m !== undefined && m.hit.has(key));
    if (m && !hit && !m.onPath.has(key)) return undefined;
    const kind = kindOf(entry.value);
    const container = kind !== 'leaf';
    const addressable = segs.every((s) => s !== undefined);
    const open = container && !this.closed.has(key) && (this.opened.has(key) || depth < 1 || this.autoOpen.has(key) || (m !== undefined && m.onPath.has(key)));
    const change = this.changes.get(key);

    const wrap = el('div', 'node');
    wrap.setAttribute('role', 'treeitem');
    wrap.dataset.path = addressable ? formatPath(segs) : labels.join('.');
    if (container) wrap.setAttribute('aria-expanded', String(open));
    const row = el('div', 'row');
    if (change) row.classList.add(`change-${change.kind}`);
    else if (this.containsChange.has(key)) row.classList.add('change-inside');
    row.style.paddingLeft = `${depth * 14 + 4}px`;
    row.append(el('span', 'toggle', container ? (open ? '▾' : '▸') : ''), el('span', 'key', entry.label), el('span', 'value', container ? summaryText(entry.value) : leafText(entry.value)));
    if (change?.kind === 'changed' && !container) row.append(el('span', 'was', `was ${leafText(change.before)}`));
    if (change?.kind === 'added') row.append(el('span', 'was', 'new'));
    if (addressable) row.addEventListener('mouseenter', () => this.offerHistory(row, segs));
    if (container) row.addEventListener('click', () => this.toggle(key, open));
    wrap.append(row);
    if (open) wrap.append(this.children(entry.value, json, segs, labels, depth, hit, key));
    return wrap;
  }

  children(value, json, segs, labels, depth, hit, key) {
    const box = el('div', 'children');
    box.setAttribute('role', 'group');
    const limit = this.limits.get(key) ?? PAGE;
    const size = sizeOf(value);
    for (const e of entriesOf(value, limit)) {
      const child = this.node(e, [...json, ...e.json], [...segs, e.seg], [...labels, e.label], depth + 1, hit);
      if (child) box.append(child);
    }
    if (size > limit) {
      const more = el('button', 'more', `show ${Math.min(PAGE, size - limit)} more of ${size - limit}`);
      more.style.marginLeft = `${(depth + 1) * 14 + 4}px`;
      more.addEventListener('click', () => {
        this.limits.set(key, limit + PAGE);
        this.render();
      });
      box.append(more);
    }
    return box;
  }

  /**
   * One "history" button, moved into the row under the pointer: a button in
   * every row would be laid out again at every step.
   */
  offerHistory(row, segs) {
    if (!this.historyButton) {
      this.historyButton = el('button', 'history', 'history');
      this.historyButton.addEventListener('click', (ev) => {
        ev.stopPropagation();
        this.handlers.onHistory(this.historyFor, formatPath(this.historyFor));
      });
    }
    this.historyFor = segs;
    this.historyButton.title = `every recorded change to ${formatPath(segs)}`;
    row.append(this.historyButton);
  }

  toggle(key, open) {
    if (open) {
      this.opened.delete(key);
      this.closed.add(key);
    } else {
      this.closed.delete(key);
      this.opened.add(key);
    }
    this.render();
  }
}
