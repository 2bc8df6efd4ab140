/**
 * `npm run bench` runs every scenario and prints a table; `-- --quick --json`
 * prints one JSON object of named figures in under a minute. Baselines run
 * in the same process and the same run, and ratios are reported beside them,
 * because absolute times on shared machines are noise.
 */
import { runEventLogBench } from './eventlog.js';
import { runHttpBench } from './http.js';
import { runReconstructBench } from './reconstruct.js';
import { runReplayBench } from './replay.js';
import { runSnapshotBench } from './snapshot.js';
import type { BenchOptions, Figures } from './harness.js';
import { TARGETS } from './targets.js';

type Scenario = { name: string; run: (o: BenchOptions) => Promise<Figures> };

const scenarios: Scenario[] = [
  { name: 'eventlog', run: runEventLogBench },
  { name: 'snapshot', run: runSnapshotBench },
  { name: 'reconstruct', run: runReconstructBench },
  { name: 'replay', run: runReplayBench },
  { name: 'http', run: runHttpBench },
];

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const options: BenchOptions = { quick: args.has('--quick') };
  const only = process.argv.slice(2).find((a) => a.startsWith('--only='))?.slice(7);
  const figures: Figures = {};
  for (const s of scenarios) {
    if (only && !only.split(',').includes(s.name)) continue;
    const started = performance.now();
    Object.assign(figures, await s.run(options));
    if (!args.has('--json')) process.stderr.write(`${s.name}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  if (args.has('--json')) {
    process.stdout.write(JSON.stringify(figures) + '\n');
    return;
  }
  const rows = Object.entries(figures).map(([k, v]) => [k, String(v), TARGETS[k]?.text ?? '', TARGETS[k] ? (TARGETS[k].met(v, figures) ? 'yes' : 'NO') : '']);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), ['figure', 'median', 'target', 'met'][i].length));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(['figure', 'median', 'target', 'met']));
  for (const r of rows) console.log(line(r));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
