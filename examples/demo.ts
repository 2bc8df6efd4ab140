/**
 * `npm run demo`: records a small shop program into ./.hindsight-demo (an
 * embedded LevelDB directory), then opens the recording as a post-mortem
 * script would and travels back through it.
 */
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Recorder } from '../instrumentation/Recorder.js';
import { openRecording } from '../reconstructor/Recording.js';
import type { StatePatch } from '../src/tracking/patches.js';

const DIR = '.hindsight-demo';

interface Shop {
  inventory: Record<string, number>;
  carts: Map<string, { items: { sku: string; qty: number }[]; total: number }>;
  orders: { id: string; customer: string; total: number; at: Date }[];
}

const PRICES: Record<string, number> = { widget: 25, gadget: 40, gizmo: 15 };

async function recordShop(): Promise<void> {
  const recorder = await Recorder.open({ dir: DIR, name: 'shop-demo' });
  const shop = recorder.track<Shop>('shop', { inventory: { widget: 5, gadget: 3, gizmo: 8 }, carts: new Map(), orders: [] });

  const addToCart = (customer: string, sku: string, qty: number): void => {
    if (!shop.carts.has(customer)) shop.carts.set(customer, { items: [], total: 0 });
    const cart = shop.carts.get(customer)!;
    cart.items.push({ sku, qty });
    cart.total += PRICES[sku] * qty;
  };
  const checkout = (customer: string): void => {
    const cart = shop.carts.get(customer);
    if (!cart) return;
    // The bug the demo goes looking for: stock is not checked before it is taken.
    for (const { sku, qty } of cart.items) shop.inventory[sku] -= qty;
    const id = `o-${shop.orders.length + 1}`;
    shop.orders.push({ id, customer, total: cart.total, at: new Date() });
    shop.carts.delete(customer);
    recorder.record('order.placed', { id, customer, total: cart.total });
  };

  recorder.mark('open');
  addToCart('ada', 'widget', 2);
  addToCart('ada', 'gizmo', 1);
  await sleep(5);
  addToCart('grace', 'gadget', 2);
  checkout('ada');
  await sleep(5);
  addToCart('linus', 'widget', 4);
  addToCart('grace', 'widget', 1);
  recorder.mark('rush');
  checkout('linus');
  await sleep(5);
  checkout('grace');
  shop.orders.sort((a, b) => b.total - a.total);
  recorder.mark('close');
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
  for await (const e of session.events()) {
    byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
    if (e.kind === 'marker') marks.push({ name: e.name, seq: e.seq, t: e.t });
  }
  console.log(`events by kind: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}`);

  console.log('\nstate at each marker:');
  for (const m of marks) {
    const state = (await session.stateAt(m.t)) as { shop?: Shop };
    console.log(`  ${m.name.padEnd(6)} seq ${String(m.seq).padStart(3)}  inventory ${fmt(state.shop?.inventory)}  carts ${fmt(state.shop?.carts)}`);
  }

  const negative = await session.findFirst((s) => Object.values((s.shop as Shop | undefined)?.inventory ?? {}).some((n) => n < 0), { mode: 'exhaustive' });
  if (negative) {
    console.log(`\nfirst instant with negative stock: seq ${negative.seq} (${new Date(negative.t / 1000).toISOString()})`);
    console.log(`  inventory then: ${fmt((negative.state.shop as Shop).inventory)}`);
  }

  console.log('\nhistory of shop.inventory.widget:');
  for (const h of await session.history('shop.inventory.widget')) console.log(`  seq ${String(h.seq).padStart(3)}  ${h.op} ${fmt(h.prev)} -> ${fmt(h.value)}`);

  const rush = marks.find((m) => m.name === 'rush')!;
  const close = marks.find((m) => m.name === 'close')!;
  console.log('\nwhat changed between "rush" and "close":');
  for (const c of await session.diff(rush.t, close.t)) {
    console.log(`  ${c.kind.padEnd(7)} ${c.path.join('.').padEnd(28)} ${fmt(c.before)} -> ${fmt(c.after)}  (seq ${c.events.map((e) => e.seq).join(', ')})`);
  }

  console.log('\nstepping back from the end, one event at a time:');
  const cursor = await session.cursor({ seq: info.lastSeq });
  for (let i = 0; i < 5; i++) {
    const e = await cursor.prev();
    if (!e) break;
    const what = e.kind === 'state.patch' ? `${(e.data as StatePatch).op} ${[e.name, ...(e.data as StatePatch).path].join('.')}` : `${e.kind} ${e.name}`;
    console.log(`  undid seq ${String(e.seq).padStart(3)} ${what.padEnd(34)} now: ${(cursor.state.shop as Shop).orders.length} orders, widget stock ${(cursor.state.shop as Shop).inventory.widget}`);
  }
  await recording.close();
}

rmSync(DIR, { recursive: true, force: true });
await recordShop();
await explore();
