/**
 * A small event-sourced program for replay tests: a cart whose reducers
 * mutate the tracked state, as a program using track() and record() would.
 * The same reducers exist as JavaScript in children/cartReducers.mjs (the
 * crashing child process and the CLI load that one).
 */
import { Recorder } from '../../instrumentation/Recorder.js';
import { Recording } from '../../reconstructor/Recording.js';
import type { HindsightEvent } from '../../src/events.js';
import { ManualClock } from '../../src/Clock.js';
import { openStore, type Store } from '../../src/store/Store.js';
import type { Reducers } from '../../replay/replay.js';

export interface Cart {
  items: { sku: string; qty: number; price: number }[];
  total: number;
  coupon?: string;
  /** Nondeterministic in the program (an id from a counter the replay does not share). */
  lastId?: string;
}

type Data = { sku: string; qty: number; price: number; code: string };
const cartOf = (s: Record<string, unknown>) => s.cart as Cart;
const dataOf = (e: HindsightEvent) => e.data as Data;

export const cartReducers: Reducers = {
  'cart.add': (s, e) => {
    const { sku, qty, price } = dataOf(e);
    const cart = cartOf(s);
    cart.items.push({ sku, qty, price });
    cart.total += qty * price;
  },
  'cart.remove': (s, e) => {
    const cart = cartOf(s);
    const i = cart.items.findIndex((x) => x.sku === dataOf(e).sku);
    if (i < 0) return;
    cart.total -= cart.items[i].qty * cart.items[i].price;
    cart.items.splice(i, 1);
  },
  'cart.coupon': (s, e) => {
    const cart = cartOf(s);
    cart.coupon = dataOf(e).code;
    cart.total = Math.round(cart.total * 0.9 * 100) / 100;
  },
};

/** The inputs the program receives, in order; `mark` and `checkpoint` steps are the program's own. */
export const CART_SCRIPT: ({ name: string; data: Partial<Data> } | 'mark' | 'checkpoint')[] = [
  { name: 'cart.add', data: { sku: 'w', qty: 1, price: 10 } },
  { name: 'cart.add', data: { sku: 'g', qty: 2, price: 2.5 } },
  'mark',
  { name: 'cart.coupon', data: { code: 'SAVE10' } },
  'checkpoint',
  { name: 'cart.add', data: { sku: 'h', qty: 1, price: 4 } },
  'mark',
  { name: 'cart.remove', data: { sku: 'w' } },
  { name: 'cart.remove', data: { sku: 'nope' } },
  'checkpoint',
  { name: 'cart.add', data: { sku: 'k', qty: 3, price: 1 } },
  'mark',
];

export interface CartRecording {
  store: Store;
  recording: Recording;
  /** Seq of each input event, in order. */
  inputSeqs: number[];
  lastSeq: number;
}

export interface RecordOptions {
  reducers?: Reducers;
  /** Run after each input's reducer (e.g. set a nondeterministic field). */
  after?: (cart: Cart, step: number) => void;
  store?: Store;
  dir?: string;
}

/** Runs the cart program over CART_SCRIPT, recording into a memory store (or `dir`). */
export async function recordCart(options: RecordOptions = {}): Promise<CartRecording> {
  const store = options.store ?? (await openStore(options.dir ? { dir: options.dir } : { memory: true }));
  const clock = new ManualClock(1_700_000_000_000_000);
  const recorder = await Recorder.open({ store, clock, name: 'cart', activeContext: () => undefined, snapshots: { automaticInterval: 0, eventInterval: 0, foldInWorker: false } });
  const cart = recorder.track('cart', { items: [], total: 0 } as Cart);
  const reducers = options.reducers ?? cartReducers;
  const inputSeqs: number[] = [];
  let step = 0;
  for (const s of CART_SCRIPT) {
    clock.advance(1000);
    if (s === 'mark') recorder.mark(`m${step}`);
    else if (s === 'checkpoint') {
      await recorder.flush();
      await recorder.checkpoint();
    } else {
      const seq = recorder.record(s.name, s.data);
      inputSeqs.push(seq);
      const event = { seq, t: clock.nowUs(), kind: 'custom', name: s.name, data: structuredClone(s.data) };
      clock.advance(10);
      reducers[s.name]?.({ cart }, event);
      options.after?.(cart, step);
      step++;
    }
  }
  await recorder.stop();
  const recording = Recording.fromStore(store);
  const session = await recording.session();
  return { store, recording, inputSeqs, lastSeq: session.info.lastSeq };
}
