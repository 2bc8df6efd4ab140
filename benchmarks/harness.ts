import type { ChildProcess } from 'node:child_process';
import { readdirSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request, type RequestOptions } from 'node:http';
import { join } from 'node:path';

/** Figures a scenario reports, flat and named like `ingest.eventsPerSec`. */
export type Figures = Record<string, number>;

export interface BenchOptions {
  quick: boolean;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Runs `fn` `runs` times and returns the median of what it returns. */
export async function medianOf(runs: number, fn: () => Promise<number> | number): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn());
  return median(out);
}

export function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name));
    total += st.isDirectory() ? dirBytes(join(dir, name)) : st.size;
  }
  return total;
}

export function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'hindsight-bench-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Sends `signal` to a child unless it has exited, and waits for its exit (a child killed by a signal has no exit code, only a signal code). */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  if (exited()) return;
  child.kill(signal);
  await new Promise((resolve) => (exited() ? resolve(null) : child.once('exit', resolve)));
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** One HTTP GET: the status and the whole body as text. */
export function httpGet(options: RequestOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (b: string) => (body += b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
