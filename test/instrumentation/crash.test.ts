import { describe, expect, it } from 'vitest';
import { scratchDirs, spansOf } from '../fixtures/stores.js';
import { readRecording, runChild, runUntilReady } from './children.js';

const dir = scratchDirs();

/** The crash fixture in `mode` run bare, then recorded into a fresh directory `d`. */
function bareAndRecorded(mode: string, env: Record<string, string> = {}) {
  const d = dir();
  return { d, bare: runChild('crash.mjs', [mode], env, false), recorded: runChild('crash.mjs', [mode], { ...env, HINDSIGHT_DIR: d }) };
}

/** Runs `mode` bare and recorded: same exit status and stderr, the session crashed, with an error event like `error`. */
async function crashesAsBare(mode: string, status: number, error: object) {
  const { d, bare, recorded: r } = bareAndRecorded(mode);
  expect(bare.status).toBe(status);
  expect([r.status, r.stderr]).toEqual([bare.status, bare.stderr]);
  const recording = await readRecording(d);
  expect(recording.info.status).toBe('crashed');
  expect(recording.events.find((e) => e.kind === 'error')!.data).toMatchObject(error);
  return recording;
}

/** Runs `mode` bare and recorded until "ready", then sends `signal`: both end by it, alike; the recording. */
async function signalledAsBare(mode: string, signal: NodeJS.Signals) {
  const d = dir();
  const bare = await runUntilReady('crash.mjs', [mode], {}, signal, false);
  const r = await runUntilReady('crash.mjs', [mode], { HINDSIGHT_DIR: d }, signal);
  expect(bare).toEqual({ code: null, signal, stderr: '' });
  expect(r).toEqual(bare);
  return readRecording(d);
}

/** stderr without the pids Node puts in its warnings. */
const samePids = (stderr: string): string => stderr.replace(/\(node:\d+\)/g, '(node:pid)');

describe('crash safety (spawned children, recorded with --import hindsight/register)', () => {
  for (const [mode, errorName, message] of [
    ['throw', 'TypeError', 'boom from a timer'],
    ['reject', 'RangeError', 'rejected and nobody cared'],
  ] as const) {
    it(`${mode}: records the error, flushes, then dies exactly as without hindsight`, async () => {
      const { d, bare, recorded } = bareAndRecorded(mode);
      expect(bare.status).toBe(1);
      expect(recorded.status).toBe(bare.status);
      expect(recorded.signal).toBe(bare.signal);
      expect(recorded.stderr).toBe(bare.stderr);
      expect(recorded.stderr).toContain(message);
      const { info, events, state } = await readRecording(d);
      expect(info.status).toBe('crashed');
      const error = events.find((e) => e.kind === 'error')!;
      expect(error.name).toBe(errorName);
      expect(error.data).toMatchObject({ message, fatal: true, origin: mode === 'throw' ? 'uncaughtException' : 'unhandledRejection' });
      expect((error.data as any).stack).toContain('crash.mjs');
      expect(state).toEqual({ counter: { n: 100 } });
      expect(events.find((e) => e.kind === 'custom')!.data).toEqual({ mode });
    });
  }

  for (const [mode, message, n] of [
    ['handled', 'caught by the program', -1],
    ['captured', 'caught by the capture callback', -2],
  ] as const) {
    it(`${mode}: an exception the program survives is recorded as not fatal, and the session ends, not crashed`, async () => {
      const d = dir();
      const r = runChild('crash.mjs', [mode], { HINDSIGHT_DIR: d });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`${mode} ${message}`);
      const { info, events, state } = await readRecording(d);
      expect(info.status).toBe('ended');
      expect(events.find((e) => e.kind === 'error')!.data).toMatchObject({ message, fatal: false });
      expect(state).toEqual({ counter: { n } });
    });
  }

  it('a crash inside a request that never ended leaves that span open in the recording, around the error and the changes it made', async () => {
    const { d, bare, recorded } = bareAndRecorded('spanThrow');
    expect(recorded.status).toBe(bare.status);
    expect(recorded.stderr).toBe(bare.stderr);
    const { info, events } = await readRecording(d);
    expect(info.status).toBe('crashed');
    const [span] = (await spansOf(events)).filter((s) => s.name === 'doomed request');
    expect(span.endSeq).toBeUndefined();
    const error = events.find((e) => e.kind === 'error')!;
    // n = 42 inside the span (the loop before it counted to 100).
    const patch = events.find((e) => e.kind === 'state.patch' && (e.data as { prev?: unknown }).prev === 100)!;
    expect(patch.spanId).toBe(span.spanId);
    expect(patch.seq).toBeGreaterThanOrEqual(span.startSeq);
    // The timer the request set keeps its context: the error belongs to the span, which is still open.
    expect(error.spanId).toBe(span.spanId);
    expect(error.seq).toBeGreaterThan(patch.seq);
  });

  it('process.exit(3) loses nothing, keeps its exit code, and ends the session', async () => {
    const d = dir();
    const r = runChild('crash.mjs', ['exit'], { HINDSIGHT_DIR: d });
    expect(r.status).toBe(3);
    expect(r.stderr).toBe('');
    const { info, events, state } = await readRecording(d);
    expect(info.status).toBe('ended');
    expect(state).toEqual({ counter: { n: 5100 } });
    expect(events.filter((e) => e.kind === 'state.patch')).toHaveLength(5101);
    expect(events.at(-1)).toMatchObject({ kind: 'log', name: 'process.exit', data: { code: 3 } });
  });

  for (const [mode, signal, title] of [
    ['signal', 'SIGTERM', 'SIGTERM'],
    ['signal', 'SIGINT', 'SIGINT'],
    ['removeSignal', 'SIGTERM', "SIGTERM after the program's removeAllListeners('SIGTERM')"],
  ] as const) {
    it(`${title}: flushes, then the exit status is the signal's`, async () => {
      const { info, events, state } = await signalledAsBare(mode, signal);
      expect(info.status).toBe('ended');
      expect(events.find((e) => e.name === 'process.signal')!.data).toEqual({ signal });
      // Every patch made before the signal is there: the state replays to the last one.
      const patches = events.filter((e) => e.kind === 'state.patch');
      expect((state.counter as any).n).toBe(patches.length - 1);
    });
  }

  for (const [mode, message, value] of [
    ['throwObject', '[object Object]', { code: 42, detail: 'not an Error' }],
    ['throwNullProto', '[object Object]', { code: 43 }],
  ] as const) {
    it(`${mode}: a thrown non-Error is recorded with its value, and the program dies as without hindsight`, async () => {
      const { d, bare, recorded: r } = bareAndRecorded(mode);
      expect([r.status, r.stderr]).toEqual([bare.status, bare.stderr]);
      const { info, events } = await readRecording(d);
      expect(info.status).toBe('crashed');
      const data = events.find((e) => e.kind === 'error')!.data as { message: string; value: object };
      expect({ message: data.message, value: { ...data.value } }).toEqual({ message, value });
    });
  }

  it("a rejection the program's own unhandledRejection handler takes is recorded, and the program goes on as without hindsight", async () => {
    const { d, bare, recorded: r } = bareAndRecorded('ownRejection');
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'handled left to the program\n', '']);
    expect([r.status, r.stdout, r.stderr]).toEqual([bare.status, bare.stdout, bare.stderr]);
    const { info, events, state } = await readRecording(d);
    expect(info.status).toBe('ended');
    expect(events.find((e) => e.kind === 'error')!.data).toMatchObject({ message: 'left to the program', origin: 'unhandledRejection', fatal: false });
    expect(state).toEqual({ counter: { n: 5 } });
  });

  it('a rejection after the program removed its handler crashes it as without hindsight', async () => {
    const { d, bare, recorded: r } = bareAndRecorded('droppedRejection');
    expect(bare.status).toBe(1);
    expect([r.status, r.stderr]).toEqual([bare.status, bare.stderr]);
    expect((await readRecording(d)).info.status).toBe('crashed');
  });

  it('an exception right after more events than the log holds pending is still recorded', async () => {
    const d = dir();
    const r = runChild('crash.mjs', ['burstThrow'], { HINDSIGHT_DIR: d });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('after a burst');
    const { info, events } = await readRecording(d);
    expect(info.status).toBe('crashed');
    expect(events.find((e) => e.kind === 'error')!.data).toMatchObject({ message: 'after a burst', fatal: true });
  });

  it('an uncaught exception a handler logs and exits 1 on: same exit, and the session is crashed', async () => {
    await crashesAsBare('handledExit', 1, { message: 'logged, then exit 1', fatal: false });
  });

  it('a handler that rethrows (Node exits 7 with no exit event): the error and all before it are kept, crashed', async () => {
    const { events, state } = await crashesAsBare('rethrow', 7, { message: 'rethrown by the handler' });
    expect(events.some((e) => e.kind === 'custom' && e.name === 'before')).toBe(true);
    expect(state).toEqual({ counter: { n: 100 } });
  });

  it("what the program's own exit handlers record after the recorder's is kept", async () => {
    const d = dir();
    const r = runChild('crash.mjs', ['exitHandler'], { HINDSIGHT_DIR: d });
    expect([r.status, r.stderr]).toEqual([0, '']);
    const { info, events, state } = await readRecording(d);
    expect(info.status).toBe('ended');
    expect(events.at(-1)).toMatchObject({ kind: 'custom', name: 'app.shutdown', data: { code: 0 } });
    expect(state).toEqual({ counter: { n: 999 } });
  });

  it('a graceful shutdown that re-raises SIGTERM once done: its last events are kept, exit by the signal, ended', async () => {
    const { info, events, state } = await signalledAsBare('graceful', 'SIGTERM');
    expect(info.status).toBe('ended');
    expect(events.some((e) => e.name === 'shutdown.complete')).toBe(true);
    expect(state).toEqual({ counter: { n: 42 } });
  });

  for (const [rejections, status, warns] of [
    ['warn', 0, true],
    ['none', 0, false],
    ['warn-with-error-code', 1, true],
  ] as const) {
    it(`--unhandled-rejections=${rejections}: the rejection is recorded, and the program goes on and ends as without hindsight`, async () => {
      const { d, bare, recorded: r } = bareAndRecorded('lenientRejection', { NODE_OPTIONS: `--unhandled-rejections=${rejections}` });
      expect(bare.status).toBe(status);
      expect(bare.stderr.includes('rejected, and the program')).toBe(warns);
      expect([r.status, samePids(r.stderr), r.stdout]).toEqual([bare.status, samePids(bare.stderr), bare.stdout]);
      const { info, events, state } = await readRecording(d);
      // Exit code 1 for an error nobody handled: crashed, as a handler that exits 1 is.
      expect(info.status).toBe(status === 0 ? 'ended' : 'crashed');
      const error = events.find((e) => e.kind === 'error')!;
      expect(error.name).toBe('RangeError');
      expect(error.data).toMatchObject({ message: 'rejected, and the program\ngoes on', origin: 'unhandledRejection', fatal: false });
      expect((error.data as { stack: string }).stack).toContain('crash.mjs');
      expect(state).toEqual({ counter: { n: 5 } });
    });
  }

  it('--unhandled-rejections=warn-with-error-code: a non-Error reason that reads like Node\'s own warning is still recorded', async () => {
    const { d, bare, recorded: r } = bareAndRecorded('lenientRejectionText', { NODE_OPTIONS: '--unhandled-rejections=warn-with-error-code' });
    expect(bare.status).toBe(1);
    expect([r.status, samePids(r.stderr)]).toEqual([bare.status, samePids(bare.stderr)]);
    const { info, events, state } = await readRecording(d);
    expect(info.status).toBe('crashed');
    expect(events.find((e) => e.kind === 'error')!.data).toMatchObject({ message: 'Unhandled promise rejection. my own text', origin: 'unhandledRejection', fatal: false });
    expect(state).toEqual({ counter: { n: 6 } });
  });

  for (const [mode, stdout, n] of [
    ['removeUntilNone', 'done\n', 9],
    ['removeRecursive', 'ok\n', 10],
    // Mended when the log next seals a block.
    ['removeRemoveListener', '', 11],
  ] as const) {
    it(`${mode}: a program that removes exit listeners (until none is left, or unheard of) ends as without hindsight, and the session ends`, async () => {
      const { d, bare, recorded: r } = bareAndRecorded(mode);
      expect([bare.status, bare.stdout, bare.stderr]).toEqual([0, stdout, '']);
      expect([r.status, r.stdout, r.stderr]).toEqual([bare.status, bare.stdout, bare.stderr]);
      const { info, state } = await readRecording(d);
      expect(info.status).toBe('ended');
      expect(state).toEqual({ counter: { n } });
    });
  }

  for (const [mode, n, title] of [
    ['signalExitStyle', 42, "a SIGTERM listener that re-raises only when it is alone (signal-exit's way) still re-raises"],
    ['signalRestore', undefined, 'SIGTERM listeners saved, cleared and put back (hindsight\'s among them): one copy stays, and the signal still ends the program'],
  ] as const) {
    it(`${title}: exit by the signal, ended`, async () => {
      const { info, events, state } = await signalledAsBare(mode, 'SIGTERM');
      expect(info.status).toBe('ended');
      expect(events.filter((e) => e.name === 'process.signal')).toHaveLength(1);
      if (n !== undefined) expect(state).toEqual({ counter: { n } });
    });
  }

  it('a program that handles SIGTERM and goes on is running again: killed later, its session is found crashed', async () => {
    const d = dir();
    const bare = await runUntilReady('crash.mjs', ['survivesSignal'], {}, 'SIGTERM', false);
    const r = await runUntilReady('crash.mjs', ['survivesSignal'], { HINDSIGHT_DIR: d }, 'SIGTERM');
    expect(bare).toEqual({ code: null, signal: 'SIGKILL', stderr: '' });
    expect(r).toEqual(bare);
    const { info, state } = await readRecording(d);
    expect(info.status).toBe('crashed');
    // Written by the flush window that followed the signal (SIGKILL came 150 ms later).
    expect(state).toEqual({ counter: { n: 8 } });
  });

  for (const [mode, status, stdout, n] of [
    ['exitHandlerLoop', 0, 'loop done\n', 101],
    ['removeExitTwice', 2, '', 13],
  ] as const) {
    it(`${mode}: exit listeners removed again and again in one turn, then an exit: as without hindsight, and nothing lost`, async () => {
      const { d, bare, recorded: r } = bareAndRecorded(mode);
      expect([bare.status, bare.stdout, bare.stderr]).toEqual([status, stdout, '']);
      expect([r.status, r.stdout, r.stderr]).toEqual([bare.status, bare.stdout, bare.stderr]);
      const { info, state } = await readRecording(d);
      expect(info.status).toBe('ended');
      expect((state.counter as { n: number }).n).toBeGreaterThanOrEqual(n);
    });
  }

  it('a SIGTERM handler that clears the listeners and re-raises at once: what it recorded is kept, exit by the signal, ended', async () => {
    const { info, state } = await signalledAsBare('signalRemoveAll', 'SIGTERM');
    expect(info.status).toBe('ended');
    expect(state).toEqual({ counter: { n: 42 } });
  });

  it('--unhandled-rejections=strict, the program handling both: the rejection is recorded once', async () => {
    const { d, bare, recorded: r } = bareAndRecorded('strictHandled', { NODE_OPTIONS: '--unhandled-rejections=strict' });
    expect([bare.status, bare.stdout]).toEqual([0, 'caught strictly once\nrejected strictly once\n']);
    expect([r.status, r.stdout, r.stderr]).toEqual([bare.status, bare.stdout, bare.stderr]);
    const { info, events } = await readRecording(d);
    expect(info.status).toBe('ended');
    expect(events.filter((e) => e.kind === 'error').map((e) => e.data)).toMatchObject([{ message: 'strictly once', fatal: false }]);
  });

  it('an exit handler that throws: the error is recorded, and the session ends crashed, with the exit status Node gives', async () => {
    const { d, bare, recorded: r } = bareAndRecorded('exitThrow');
    expect(bare.stderr).toContain('thrown by an exit handler');
    // One frame differs: Node's emit runs one listener or several (ours is one) at different lines.
    const emitAt = (stderr: string) => stderr.replace(/node:events:\d+:\d+/, 'node:events');
    expect([r.status, emitAt(r.stderr)]).toEqual([bare.status, emitAt(bare.stderr)]);
    const { info, events } = await readRecording(d);
    expect(info.status).toBe('crashed');
    expect(events.at(-1)).toMatchObject({ kind: 'error', data: { message: 'thrown by an exit handler', fatal: true } });
  });

  it("removeAllListeners('exit') followed by process.exit(): the recorder's exit hook is back in time", async () => {
    const { d, bare, recorded: r } = bareAndRecorded('removeExit');
    expect([r.status, r.stderr]).toEqual([bare.status, bare.stderr]);
    const { info, events, state } = await readRecording(d);
    expect(info.status).toBe('ended');
    expect(events.at(-1)).toMatchObject({ kind: 'log', name: 'process.exit', data: { code: 0 } });
    expect(state).toEqual({ counter: { n: 7 } });
  });

  it('removeAllListeners() of every event: the hooks come back, and a later crash is recorded', async () => {
    const { state } = await crashesAsBare('removeAll', 1, { message: 'after removeAllListeners()', fatal: true });
    expect(state).toEqual({ counter: { n: 8 } });
  });

  it('SIGKILL: the session is found crashed, with everything up to the last flush window', async () => {
    const d = dir();
    const r = await runUntilReady('crash.mjs', ['sigkill'], { HINDSIGHT_DIR: d }, 'SIGKILL');
    expect(r.signal).toBe('SIGKILL');
    const { info, events, state } = await readRecording(d);
    expect(info.status).toBe('crashed');
    // The 100 increments and the custom event were made 200 ms before "ready": several flush windows earlier.
    expect((state.counter as any).n).toBeGreaterThanOrEqual(100);
    expect(events.some((e) => e.kind === 'custom')).toBe(true);
  });
});
