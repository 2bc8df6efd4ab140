// Holds a recording open with a live Recorder (runs against the built package, dist/).
// Usage: node hold.mjs <dir>; prints "ready <pid>" and waits to be killed.
import { Recorder } from '../../../dist/instrumentation/Recorder.js';

const recorder = await Recorder.open({ dir: process.argv[2], name: 'live', snapshots: false });
recorder.record('alive');
await recorder.flush();
process.stdout.write(`ready ${process.pid}\n`);
setInterval(() => {}, 1000);
