/** Spawning instrumented children against dist/ and reading what they recorded. */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HindsightEvent } from '../../src/events.js';
import { openRecording } from '../../reconstructor/Recording.js';
import type { SessionInfo } from '../../src/store/Sessions.js';

export const REGISTER = pathToFileURL(new URL('../../dist/instrumentation/register.js', import.meta.url).pathname).href;
export const fixture = (name: string): string => new URL(`../fixtures/children/instrumented/${name}`, import.meta.url).pathname;

/** Runs `script` with `--import hindsight/register` (or bare when `recorded` is false). */
export function runChild(script: string, args: string[], env: Record<string, string>, recorded = true, cwd?: string): SpawnSyncReturns<string> {
  const execArgv = recorded ? ['--import', REGISTER] : [];
  return spawnSync(process.execPath, [...execArgv, fixture(script), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000, cwd });
}

/** Starts `script` recorded, waits for "ready" on stdout, then sends `signal`; resolves with how it ended. */
export function runUntilReady(script: string, args: string[], env: Record<string, string>, signal: NodeJS.Signals, recorded = true): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const execArgv = recorded ? ['--import', REGISTER] : [];
  const child = spawn(process.execPath, [...execArgv, fixture(script), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += String(b)));
  child.stdout.on('data', (b) => {
    if (String(b).includes('ready')) child.kill(signal);
  });
  // A child the signal does not end is killed after 20 s (as runChild's are): the test then fails on SIGKILL.
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stderr });
    }),
  );
}

export async function readRecording(dir: string): Promise<{ info: SessionInfo; events: HindsightEvent[]; state: Record<string, unknown> }> {
  const rec = await openRecording(dir);
  try {
    const session = await rec.session();
    const events: HindsightEvent[] = [];
    for await (const e of session.events()) events.push(e);
    const state = (await session.stateAt({ seq: session.info.lastSeq })) as Record<string, unknown>;
    return { info: session.info, events, state };
  } finally {
    await rec.close();
  }
}

/** Every file under `dir` whose raw bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesContaining(p, needle));
    else if (readFileSync(p).includes(needle)) out.push(p);
  }
  return out;
}

/** Whether the optional http instrumentation package is installed (the span tests need it). */
export const HAS_HTTP_INSTRUMENTATION = ((): boolean => {
  try {
    createRequire(import.meta.url).resolve('@opentelemetry/instrumentation-http');
    return true;
  } catch {
    return false;
  }
})();
