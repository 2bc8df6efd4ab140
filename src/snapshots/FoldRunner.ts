import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ErrorCodes, HindsightError, type ErrorCode } from '../errors.js';
import { foldRecords, ownedBytes, type FoldRequest, type FoldResult } from './fold.js';
import type { SnapshotMeta } from './types.js';

/**
 * Runs folds (full + incrementals → full) in one worker thread, so a full
 * checkpoint of tracked state never serializes the live graph, nor decodes
 * and re-encodes O(state) bytes, on the program thread. The program thread
 * only reads the chain's records from the store (I/O) and transfers their
 * ArrayBuffers (no copy); the worker verifies, decodes, applies, packs,
 * hashes, compresses and seals, and transfers the record back.
 *
 * When no worker can start (a runtime without worker_threads, or sources run
 * without their compiled worker and no TypeScript to transpile it), folds run
 * inline, one per macrotask; `mode` says which, and statistics report it.
 */
export class FoldRunner {
  private worker: Worker | undefined;
  private failed = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: FoldResult) => void; reject: (e: Error) => void }>();

  constructor(private readonly preferWorker = true) {}

  get mode(): 'worker' | 'inline' {
    return this.preferWorker && !this.failed ? 'worker' : 'inline';
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Starts the worker ahead of the first fold (its startup would otherwise land on that fold). */
  warm(): void {
    if (this.mode === 'worker') this.start();
  }

  /**
   * Folds the chain `load` reads. When the worker dies mid-fold (its input
   * buffers were transferred away), the chain is read again and folded inline.
   */
  async fold(load: () => Promise<FoldRequest>): Promise<FoldResult> {
    let req = await load();
    const worker = this.mode === 'worker' ? this.start() : undefined;
    if (worker) {
      try {
        return await this.viaWorker(worker, req);
      } catch (err) {
        if (!(err instanceof WorkerCrash)) throw err;
        req = await load();
      }
    }
    await new Promise((r) => setImmediate(r));
    return foldRecords(req);
  }

  private viaWorker(worker: Worker, req: FoldRequest): Promise<FoldResult> {
    const records = req.records.map(ownedBytes);
    const requestId = this.nextId++;
    return new Promise<FoldResult>((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...req, records, requestId }, records.map((r) => r.buffer as ArrayBuffer));
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
    for (const p of this.pending.values()) p.reject(new HindsightError(ErrorCodes.CLOSED, 'fold cancelled: the snapshot manager shut down'));
    this.pending.clear();
  }

  private start(): Worker | undefined {
    if (this.worker) return this.worker;
    try {
      const { url, execArgv } = workerEntry();
      const w = new Worker(url, { workerData: { hindsightFold: true }, execArgv });
      w.on('message', (m) => this.settle(m));
      w.on('error', (err) => this.crash(err));
      w.on('exit', () => {
        if (this.worker === w) this.crash(new Error('fold worker exited'));
      });
      // Idle, the worker must not keep the program alive.
      w.unref();
      this.worker = w;
      return w;
    } catch {
      this.failed = true;
      return undefined;
    }
  }

  private settle(m: { requestId: number; ok: boolean; record?: Uint8Array; meta?: SnapshotMeta; foldMs?: number; error?: { code?: ErrorCode; message: string; details: Record<string, unknown> } }): void {
    const p = this.pending.get(m.requestId);
    if (!p) return;
    this.pending.delete(m.requestId);
    if (this.pending.size === 0) this.worker?.unref();
    if (m.ok) {
      const r = m.record!;
      p.resolve({ record: Buffer.from(r.buffer, r.byteOffset, r.byteLength), meta: m.meta!, foldMs: m.foldMs! });
      return;
    }
    const e = m.error!;
    const code = e.code ?? ErrorCodes.WRITE_FAILED;
    p.reject(new HindsightError(code, e.message.startsWith(`${code}: `) ? e.message.slice(code.length + 2) : e.message, e.details));
  }

  /** A worker that dies hands its folds back (they rerun inline), and later folds run inline too. */
  private crash(err: Error): void {
    this.worker = undefined;
    this.failed = true;
    for (const p of this.pending.values()) p.reject(new WorkerCrash(err.message));
    this.pending.clear();
  }
}

/**
 * The compiled worker sits beside this module. Run from TypeScript sources
 * (vitest), the worker gets a transpile-on-load hook built on the
 * `typescript` package instead, which is there whenever sources are.
 */
function workerEntry(): { url: URL; execArgv?: string[] } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { url: new URL('./foldWorker.js', here) };
  const ts = pathToFileURL(createRequire(here).resolve('typescript')).href;
  const hooks = `
import ts from ${JSON.stringify(ts)};
import { readFile } from 'node:fs/promises';
export async function resolve(spec, ctx, next) {
  try { return await next(spec, ctx); } catch (err) {
    if (spec.endsWith('.js') && ctx.parentURL && ctx.parentURL.endsWith('.ts')) return next(spec.slice(0, -3) + '.ts', ctx);
    throw err;
  }
}
export async function load(url, ctx, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, ctx);
  const src = await readFile(new URL(url), 'utf8');
  const out = ts.transpileModule(src, { fileName: url, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false } });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify('data:text/javascript,' + encodeURIComponent(hooks))});`;
  return { url: new URL('./foldWorker.ts', here), execArgv: ['--import', 'data:text/javascript,' + encodeURIComponent(register)] };
}

class WorkerCrash extends Error {}
