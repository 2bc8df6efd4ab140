/**
 * `npm run bench` runs every scenario and prints a table; `-- --quick --json`
 * prints one JSON object of named figures in under a minute. Baselines run
 * in the same process and the same run, and ratios are reported beside them,
 * because absolute times on shared machines are noise. Each scenario runs in
 * a process of its own: one scenario's heap (a 1,000,000-key state) made the
 * next one's garbage collection, and so its figures, up to 5x slower.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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

const option = (name: string): string | undefined =>
  process.argv
    .slice(2)
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3);

/** Runs one scenario in a child process (this file with --scenario=name) and returns its figures. */
function runIsolated(name: string, quick: boolean): Figures {
  const args = [fileURLToPath(import.meta.url), `--scenario=${name}`, ...(quick ? ['--quick'] : [])];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  const last = child.stdout.trim().split('\n').at(-1);
  if (child.status !== 0 || !last) throw new Error(`scenario ${name} failed (exit ${child.status})`);
  return JSON.parse(last) as Figures;
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const options: BenchOptions = { quick: args.has('--quick') };
  const one = option('scenario');
  if (one) {
    const scenario = scenarios.find((s) => s.name === one);
    if (!scenario) throw new Error(`unknown scenario ${one}`);
    process.stdout.write(JSON.stringify(await scenario.run(options)) + '\n');
    return;
  }
  const only = option('only');
  const figures: Figures = {};
  for (const s of scenarios) {
    if (only && !only.split(',').includes(s.name)) continue;
    const started = performance.now();
    Object.assign(figures, runIsolated(s.name, options.quick));
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
