// Records cart inputs and their effects, then dies by SIGKILL without closing the session.
// argv: <dist Recorder.js URL> <recording dir> <inputs>
import { reducers } from './cartReducers.mjs';

const [recorderUrl, dir, count] = process.argv.slice(2);
const { Recorder } = await import(recorderUrl);
const recorder = await Recorder.open({ dir, name: 'doomed', snapshots: { automaticInterval: 0, eventInterval: 0, foldInWorker: false } });
const cart = recorder.track('cart', { items: [], total: 0 });
for (let i = 0; i < Number(count); i++) {
  const data = i % 5 === 4 ? { sku: `s${i - 1}` } : { sku: `s${i}`, qty: 1 + (i % 3), price: 2 };
  const name = i % 5 === 4 ? 'cart.remove' : 'cart.add';
  const seq = recorder.record(name, data);
  reducers[name]({ cart }, { seq, t: 0, kind: 'custom', name, data });
  if (i === 50) {
    await recorder.flush();
    await recorder.checkpoint();
  }
}
await recorder.flush();
process.kill(process.pid, 'SIGKILL');
