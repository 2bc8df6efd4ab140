/**
 * The viewer page: a session, an instant (a seq) and what is shown of them.
 * The URL holds the session and the seq, so a link (or a reload) reopens the
 * same view. State requests go one at a time and the latest wanted wins, so
 * dragging the scrubber never queues up stale answers.
 */
import { api, requested, viewUrl } from './api.js';
import { compare } from './changes.js';
import { brief, showHistory, showSpan } from './details.js';
import { EventList } from './events.js';
import { Timeline, formatOffset, formatTime } from './timeline.js';
import { StateTree } from './tree.js';

const $ = (id) => document.getElementById(id);
const MAX_CHANGES_LISTED = 100;

const view = {
  /** The session's metadata (from /api/summary). */
  session: undefined,
  /** The /api/state answer on screen, and the one before it. */
  shown: undefined,
  previous: undefined,
  /** An instant to compare with instead of the previous step. */
  pinned: undefined,
};

const timeline = new Timeline(
  { overview: $('overview'), lanes: $('spans'), cursorEl: $('cursor'), label: $('window-label') },
  { onScrub: (t) => go({ t }), onSeq: (seq) => go({ seq }), onSpan: (s) => selectSpan(s), onWindow: (from, to) => loadWindow(from, to) },
);
const tree = new StateTree($('tree'), { onHistory: (path, label) => openHistory(path, label) });
const events = new EventList($('events'), { kind: $('kind-filter'), name: $('name-filter'), trace: $('trace-filter') }, { onSeq: (seq) => go({ seq }) });

function status(text, failed = false) {
  $('status').textContent = text;
  $('status').classList.toggle('failed', failed);
}

let wanted;
let busy = false;

/** Shows the state at `at` ({ seq } or { t }): one request in flight, the latest wanted wins. */
function go(at) {
  if (!view.session) return;
  wanted = at;
  if (!busy) void pump();
}

async function pump() {
  busy = true;
  while (wanted) {
    const at = wanted;
    wanted = undefined;
    try {
      show(await api('state', { session: view.session.id, ...at }));
    } catch (err) {
      status(err.message, true);
    }
  }
  busy = false;
}

/** Steps from the instant last asked for, so held-down arrows move one event per press. */
function step(delta) {
  if (!view.session) return;
  const from = wanted?.seq ?? view.shown?.seq ?? 0;
  go({ seq: Math.min(view.session.lastSeq, Math.max(0, from + delta)) });
}

function show(r) {
  if (r.session !== view.session.id || r.seq === view.shown?.seq) return;
  view.previous = view.shown;
  view.shown = r;
  const base = view.pinned ?? view.previous;
  const { nodes, list, count } = base ? compare(base.state, r.state, MAX_CHANGES_LISTED) : { nodes: new Map(), list: [], count: 0 };
  tree.show(r.state, nodes);
  showChanges(list, count);
  $('compare-label').textContent = !base ? '' : view.pinned ? `highlighted: changes since the pinned seq ${base.seq}` : `highlighted: changes since seq ${base.seq}`;
  $('position').textContent = `seq ${r.seq} / ${r.lastSeq}`;
  $('clock').textContent = `${formatTime(r.t)} (${formatOffset(r.t - view.session.startT)})`;
  $('scrubber').value = String(r.seq);
  timeline.setCursor(r.t);
  showEvent(r.event);
  history.replaceState(null, '', viewUrl(view.session.id, r.seq));
  status(r.incomplete ? 'the writer dropped events here: this state may lack their changes' : r.warnings.join('; '), r.incomplete);
  void events.show(view.session.id, view.session.startT, r.seq);
}

function showChanges(list, count) {
  const items = list.map((c) => {
    const li = document.createElement('li');
    li.className = `change-${c.kind}`;
    li.dataset.path = c.path;
    li.textContent = c.kind === 'added' ? `+ ${c.path} = ${brief(c.after)}` : c.kind === 'removed' ? `- ${c.path} (was ${brief(c.before)})` : `~ ${c.path}: ${brief(c.before)} → ${brief(c.after)}`;
    return li;
  });
  if (count > list.length) items.push(Object.assign(document.createElement('li'), { className: 'empty', textContent: `and ${count - list.length} more` }));
  if (items.length === 0) items.push(Object.assign(document.createElement('li'), { className: 'empty', textContent: view.previous || view.pinned ? 'no change' : 'step or scrub to see what changes' }));
  $('changes').replaceChildren(...items);
}

function showEvent(e) {
  const box = $('current-event');
  if (!e) {
    box.textContent = 'before the first event';
    return;
  }
  const what = e.summary.length > 160 ? `${e.summary.slice(0, 159)}…` : e.summary;
  box.textContent = `seq ${e.seq} · ${e.kind} ${e.name}${what ? ` · ${what}` : ''}${e.traceId ? ` · trace ${e.traceId.slice(0, 8)}` : ''}`;
}

async function selectSpan(span) {
  timeline.select(span);
  go({ seq: span.startSeq });
  const ended = span.endSeq === undefined ? undefined : await api('events', { session: view.session.id, fromSeq: span.endSeq, toSeq: span.endSeq });
  showSpan($('details'), $('details-title'), span, ended?.events[0], {
    startT: view.session.startT,
    onSeq: (seq) => go({ seq }),
    onTrace: (traceId) => events.filterTrace(traceId),
  });
}

async function openHistory(path, label) {
  try {
    const answer = await api('history', { session: view.session.id, path: JSON.stringify(path) });
    showHistory($('details'), $('details-title'), label, answer, { startT: view.session.startT, onSeq: (seq) => go({ seq }) });
  } catch (err) {
    status(err.message, true);
  }
}

let windowTicket = 0;

/** Density and spans of the visible window [from, to]. */
async function loadWindow(from, to) {
  const ticket = ++windowTicket;
  const session = view.session.id;
  const buckets = Math.max(10, Math.min(2000, Math.round(timeline.width / 4)));
  try {
    const [density, spans] = await Promise.all([api('density', { session, from, to, buckets }), api('spans', { session, from, to, limit: 300 })]);
    if (ticket !== windowTicket) return;
    timeline.setDensity(density);
    timeline.setSpans(spans);
  } catch (err) {
    status(err.message, true);
  }
}

async function openSession(id, seq) {
  const summary = await api('summary', { session: id, buckets: Math.max(10, Math.min(2000, Math.round(timeline.width / 4))) });
  Object.assign(view, { session: summary.session, shown: undefined, previous: undefined, pinned: undefined });
  wanted = undefined;
  $('session').value = summary.session.id;
  $('pin').classList.remove('active');
  $('scrubber').max = String(summary.session.lastSeq);
  const s = summary.session;
  $('outline').textContent = `${s.eventCount} events · ${summary.spanCount} spans · ${summary.markers.length} markers · ${summary.errors.length} errors${summary.truncated ? ' (outline truncated)' : ''}`;
  $('outline').title = s.id;
  timeline.setSession(summary);
  timeline.setPinned(undefined);
  void loadWindow(summary.from, summary.to);
  go({ seq: Math.min(seq ?? s.lastSeq, s.lastSeq) });
}

function togglePin() {
  if (view.pinned || !view.shown) {
    view.pinned = undefined;
    timeline.setPinned(undefined);
  } else {
    view.pinned = view.shown;
    timeline.setPinned(view.shown.t);
  }
  $('pin').classList.toggle('active', view.pinned !== undefined);
  $('pin').textContent = view.pinned ? `pinned seq ${view.pinned.seq}` : 'pin';
}

function listen() {
  $('first').addEventListener('click', () => go({ seq: 0 }));
  $('prev').addEventListener('click', () => step(-1));
  $('next').addEventListener('click', () => step(1));
  $('last').addEventListener('click', () => go({ seq: view.session?.lastSeq ?? 0 }));
  $('pin').addEventListener('click', togglePin);
  $('zoom-reset').addEventListener('click', () => timeline.reset());
  $('scrubber').addEventListener('input', (ev) => go({ seq: Number(ev.target.value) }));
  $('path-filter').addEventListener('input', (ev) => tree.setFilter(ev.target.value));
  $('session').addEventListener('change', (ev) => openSession(ev.target.value).catch((err) => status(err.message, true)));
  document.addEventListener('keydown', (ev) => {
    // Typing in a field (and the scrubber's own arrow keys) is not stepping.
    if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const keys = { ArrowLeft: () => step(-1), ArrowRight: () => step(1), Home: () => go({ seq: 0 }), End: () => go({ seq: view.session?.lastSeq ?? 0 }) };
    if (!keys[ev.key]) return;
    ev.preventDefault();
    keys[ev.key]();
  });
}

async function start() {
  listen();
  const { sessions, default: fallback } = await api('sessions');
  if (sessions.length === 0) return status('the recording holds no session');
  for (const s of [...sessions].reverse()) {
    const option = document.createElement('option');
    option.value = s.id;
    option.textContent = `${s.name} (${s.eventCount} events, ${s.status})`;
    option.title = `${s.id}, started ${formatTime(s.startT)}`;
    $('session').append(option);
  }
  const want = requested();
  const id = sessions.some((s) => s.id === want.session) ? want.session : fallback;
  await openSession(id, want.seq);
}

start().catch((err) => status(err.message, true));
