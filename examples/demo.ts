/**
 * `npm run demo`: records a small shop server into ./.hindsight-demo (an
 * embedded LevelDB directory) — OpenTelemetry spans of real HTTP requests
 * on loopback, the tracked shop state, domain events, one rejected request —
 * then opens the recording as a post-mortem script would and travels back.
 */
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startRecording } from '../instrumentation/startRecording.js';
import { record, track } from '../instrumentation/active.js';
import { openRecording } from '../reconstructor/Recording.js';
import type { StatePatch } from '../src/tracking/patches.js';

const DIR = '.hindsight-demo';

interface Shop {
  inventory: Record<string, number>;
  carts: Map<string, { items: { sku: string; qty: number }[]; total: number }>;
  orders: { id: string; customer: string; total: number }[];
}

const PRICES: Record<string, number> = { widget: 25, gadget: 40, gizmo: 15 };

/** The program being recorded: a shop whose checkout forgets to check stock. */
function shopHandler(shop: Shop) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const [, action, customer, sku, qty] = (req.url ?? '').split('/');
    if (action === 'add' && PRICES[sku]) {
      if (!shop.carts.has(customer)) shop.carts.set(customer, { items: [], total: 0 });
      const cart = shop.carts.get(customer)!;
      cart.items.push({ sku, qty: Number(qty) });
      cart.total += PRICES[sku] * Number(qty);
      res.end('ok');
    } else if (action === 'checkout') {
      const cart = shop.carts.get(customer);
      if (!cart) {
        record('checkout.rejected', { customer, reason: 'empty cart' });
        res.statusCode = 409;
        res.end('empty cart');
        return;
      }
      for (const item of cart.items) shop.inventory[item.sku] -= item.qty;
      const id = `o-${shop.orders.length + 1}`;
      shop.orders.push({ id, customer, total: cart.total });
      shop.carts.delete(customer);
      record('order.placed', { id, customer, total: cart.total });
      res.end(id);
    } else {
      res.statusCode = 404;
      res.end();
    }
  };
}

async function recordShop(): Promise<void> {
  const recorder = await startRecording({ dir: DIR, name: 'shop-demo', serviceName: 'shop', processHooks: false });
  // Loaded after recording started, so the http instrumentation patches it.
  const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');
  const shop = track<Shop>('shop', { inventory: { widget: 5, gadget: 3, gizmo: 8 }, carts: new Map(), orders: [] });
  const server = http.createServer(shopHandler(shop));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const call = (path: string) => fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST' }).then((r) => r.text());

  recorder.mark('open');
  await call('/add/ada/widget/2');
  await call('/add/ada/gizmo/1');
  await call('/add/grace/gadget/2');
  await call('/checkout/ada');
  await call('/add/linus/widget/4');
  await call('/add/grace/widget/1');
  recorder.mark('rush');
  await call('/checkout/linus');
  await call('/checkout/bob');
  await call('/checkout/grace');
  recorder.mark('close');
  await new Promise((resolve) => server.close(resolve));
  await recorder.stop();
}

const fmt = (v: unknown): string => JSON.stringify(v, (_k, x) => (x instanceof Map ? Object.fromEntries(x) : x));

async function explore(): Promise<void> {
  const recording = await openRecording(DIR);
  const session = await recording.session('shop-demo');
  const { info } = session;
  console.log(`session ${info.id} "${info.name}": ${info.eventCount} events, status ${info.status}, pid ${info.pid}`);

  const byKind = new Map<string, number>();
  const marks: { name: string; seq: number; t: number }[] = [];
  const spanNames = new Map<string, string>();
  for await (const e of session.events()) {
    byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
    if (e.kind === 'marker') marks.push({ name: e.name, seq: e.seq, t: e.t });
    if (e.kind === 'span.end' && e.spanId) {
      // The request line, from the http instrumentation's attributes (old or new semantic conventions).
      const attrs = ((e.data as { attributes?: Record<string, unknown> }).attributes ?? {}) as Record<string, unknown>;
      const target = attrs['http.target'] ?? attrs['url.path'];
      spanNames.set(e.spanId, target ? `${e.name} ${String(target)}` : e.name);
    }
  }
  console.log(`events by kind: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}`);

  console.log('\nstate at each marker:');
  for (const m of marks) {
    const state = (await session.stateAt(m.t)) as { shop?: Shop };
    console.log(`  ${m.name.padEnd(6)} seq ${String(m.seq).padStart(3)}  inventory ${fmt(state.shop?.inventory)}  open carts ${state.shop?.carts.size}`);
  }

  const negative = await session.findFirst((s) => Object.values((s.shop as Shop | undefined)?.inventory ?? {}).some((n) => n < 0), { mode: 'exhaustive' });
  if (negative?.event) {
    const span = negative.event.spanId ? spanNames.get(negative.event.spanId) : undefined;
    console.log(`\nfirst instant with negative stock: seq ${negative.seq} (${new Date(negative.t / 1000).toISOString()})`);
    console.log(`  inventory then: ${fmt((negative.state.shop as Shop).inventory)}`);
    console.log(`  made inside span "${span ?? '?'}" of trace ${negative.event.traceId ?? '?'}`);
  }

  console.log('\nhistory of shop.inventory.widget:');
  for (const h of await session.history('shop.inventory.widget')) {
    console.log(`  seq ${String(h.seq).padStart(3)}  ${fmt(h.prev)} -> ${fmt(h.value)}  ${h.spanId ? `(${spanNames.get(h.spanId)})` : ''}`);
  }

  const rush = marks.find((m) => m.name === 'rush')!;
  const close = marks.find((m) => m.name === 'close')!;
  console.log('\nwhat changed between "rush" and "close":');
  for (const c of await session.diff(rush.t, close.t)) {
    console.log(`  ${c.kind.padEnd(7)} ${c.path.join('.').padEnd(24)} ${fmt(c.before)} -> ${fmt(c.after)}`);
  }

  console.log('\nstepping back from the end, one event at a time:');
  const cursor = await session.cursor({ seq: info.lastSeq });
  for (let i = 0; i < 6; i++) {
    const e = await cursor.prev();
    if (!e) break;
    const what = e.kind === 'state.patch' ? `${(e.data as StatePatch).op} ${[e.name, ...(e.data as StatePatch).path].join('.')}` : `${e.kind} ${e.name}`;
    console.log(`  undid seq ${String(e.seq).padStart(3)} ${what.padEnd(36)} now: ${(cursor.state.shop as Shop).orders.length} orders, widget stock ${(cursor.state.shop as Shop).inventory.widget}`);
  }
  await recording.close();
}

rmSync(DIR, { recursive: true, force: true });
await recordShop();
await explore();
