/**
 * Zero-code start: `node --import hindsight/register app.js` (ESM and
 * CommonJS apps alike). The OpenTelemetry ESM hook is registered before
 * anything else, so `node:http` imported by an ESM program is instrumented.
 *
 * Environment:
 * - HINDSIGHT_DISABLED=1          record nothing (also: true, yes)
 * - HINDSIGHT_DIR                 recording directory (default .hindsight)
 * - HINDSIGHT_SESSION             session name (default: the script's file name)
 * - HINDSIGHT_SNAPSHOT_INTERVAL_MS  checkpoint interval (0: only every 10,000 events)
 * - HINDSIGHT_INSTRUMENTATIONS    comma list (default http,undici; "none" for no auto-instrumentation)
 * - HINDSIGHT_REDACT_DENY / HINDSIGHT_REDACT_ALLOW  comma lists of extra denied / allowed keys
 * - HINDSIGHT_CAPTURE_CONSOLE=1   console output as `log` events
 * - HINDSIGHT_CHILDREN=own|skip   child processes (see below; default own)
 *
 * Child processes inherit NODE_OPTIONS, hence this module. The first process
 * to load it sets HINDSIGHT_ROOT_PID; a process that finds another pid there
 * is a descendant and records into `<dir>/children/<pid>` (own) or not at all
 * (skip): never into its parent's directory, whose LevelDB lock the parent
 * holds. Worker threads are skipped (they share the main thread's process
 * and recorder). If the directory is locked anyway (two unrelated programs
 * with the same HINDSIGHT_DIR), hindsight prints one line and the program
 * runs unrecorded: recording never stops a program from starting.
 */
import { register } from 'node:module';
import { resolve } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { DEFAULT_DIR, planFromEnv } from './registerPlan.js';
import { esmHookModules, setZeroCodeRecorder, startRecording } from './startRecording.js';

async function main(): Promise<void> {
  const plan = planFromEnv(process.env, process.pid, isMainThread, process.argv);
  if (!plan.enabled) return;
  // Descendants see the root's pid and keep out of its directory, and find
  // it even when started in another working directory.
  process.env.HINDSIGHT_ROOT_PID ??= String(process.pid);
  process.env.HINDSIGHT_DIR = resolve(process.env.HINDSIGHT_DIR || DEFAULT_DIR);
  // Before any application module is loaded: ESM imports of instrumented
  // modules go through it, and only those (see esmHookModules).
  const include = esmHookModules(plan.options.instrumentations);
  try {
    if (include.length > 0) register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include } });
  } catch (err) {
    process.stderr.write(`hindsight: ESM hook not registered (${(err as Error).message}); ESM imports may be uninstrumented\n`);
  }
  try {
    setZeroCodeRecorder(await startRecording(plan.options));
  } catch (err) {
    process.stderr.write(`hindsight: not recording: ${(err as Error).message}\n`);
  }
}

await main();
