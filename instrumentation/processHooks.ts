/**
 * Crash safety: what a recording keeps when the program ends, however it ends.
 *
 * - Uncaught exceptions and unhandled rejections (Node's default 'throw'
 *   mode turns those into uncaught exceptions when nothing listens for
 *   them; while the program listens, so do we) are seen through
 *   'uncaughtExceptionMonitor', which observes without changing anything:
 *   Node then prints the same message and exits with the same code as
 *   without hindsight. When the program has its own 'uncaughtException'
 *   handler or a capture callback, the error is recorded, written at once
 *   (the handler may rethrow, which ends Node without an 'exit' event), and
 *   the program goes on.
 * - SIGINT / SIGTERM: a listener is what stops Node's default action, so
 *   ours flushes, removes itself and re-raises the signal; the exit status
 *   is the signal's. When the program listens too, it decides (we only
 *   flush, and stay: a graceful shutdown that re-raises the signal once its
 *   own listener is gone is flushed and re-raised like any other).
 * - 'exit' (process.exit() included) writes everything with flushSync, and
 *   the session ends `ended`, or `crashed` after a fatal error or an exit
 *   with a non-zero code after an uncaught exception the program handled
 *   (a handler that logs and exits). What the program's own exit handlers
 *   record after ours is written as it comes. SIGKILL
 *   gives no chance: the next open of the directory marks the session
 *   crashed, and the events not yet flushed (one flush window) are lost.
 */
import type { EventInput } from '../src/events.js';
import { otelActiveContext } from '../src/tracking/TrackerCore.js';
import { copyValue } from '../src/values/copyValue.js';
import type { Recorder } from './Recorder.js';

export interface ProcessHooksOptions {
  /** Signals flushed then re-raised (default SIGINT, SIGTERM). */
  signals?: NodeJS.Signals[];
  onError?: (err: unknown) => void;
}

/** Installs the hooks for `recorder`; returns the function that removes them. */
export function installProcessHooks(recorder: Recorder, options: ProcessHooksOptions = {}): () => void {
  const onError = options.onError ?? (() => {});
  let fatal = false;
  let uncaught = false;
  let done = false;

  const finish = (status: 'ended' | 'crashed' | 'running'): void => {
    try {
      recorder.log.flushSync(status);
    } catch (err) {
      onError(err);
    }
  };

  /** The end of a program is worth its place: over the memory cap, the backlog is spilled first to make room. */
  const appendLast = (event: EventInput): void => {
    if (recorder.log.append(event) < 0) {
      finish('running');
      recorder.log.append(event);
    }
  };

  const onUncaught = (err: unknown, origin: string, byProgram = false): void => {
    if (done) return;
    uncaught = true;
    // A listener or a capture callback (domains, REPLs) keeps the program alive.
    const handled = byProgram || process.listenerCount('uncaughtException') > 0 || process.hasUncaughtExceptionCaptureCallback();
    try {
      const ctx = otelActiveContext();
      const e = err instanceof Error ? err : undefined;
      appendLast({
        kind: 'error',
        name: e?.name ?? 'Error',
        // Anything can be thrown: a non-Error keeps its value (a copy) beside a message.
        data: e ? { message: e.message, stack: e.stack, origin, fatal: !handled } : { message: describe(err), value: copyValue(err), origin, fatal: !handled },
        traceId: ctx?.traceId,
        spanId: ctx?.spanId,
      });
    } catch (e) {
      onError(e);
    }
    // A handled error is recorded and the program goes on; a fatal one ends the session now.
    if (!handled) fatal = true;
    finish(fatal ? 'crashed' : 'running');
  };

  // Node turns an unhandled rejection into an uncaught exception (seen above) only when nothing
  // listens for 'unhandledRejection': a listener of ours would change that. So ours listens only
  // while the program has one of its own, and records what the program's handler is given.
  const onRejection = (reason: unknown): void => onUncaught(reason, 'unhandledRejection', true);
  const ours = (): boolean => process.listeners('unhandledRejection').includes(onRejection);
  // newListener fires before the program's listener is added: ours goes in just ahead of it.
  const onNewListener = (event: string | symbol, listener: unknown): void => {
    if (event === 'unhandledRejection' && listener !== onRejection && !done && !ours()) process.on('unhandledRejection', onRejection);
    // A listener the program prepends would run before ours and, a once() one, be gone when we
    // count: ours moves back to the front once it is in (no signal is delivered before then).
    if (listener !== onSignal && (signals as (string | symbol)[]).includes(event)) queueMicrotask(() => keepFirst(event as NodeJS.Signals));
  };
  // removeListener fires after it is gone: ours goes when the program's last one has.
  const onRemoveListener = (event: string | symbol, listener: unknown): void => {
    if (event !== 'unhandledRejection' || listener === onRejection) return;
    if (process.listeners('unhandledRejection').every((l) => l === onRejection)) process.removeListener('unhandledRejection', onRejection);
  };

  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const onExit = (code: number): void => {
    if (done) return;
    done = true;
    appendLast({ kind: 'log', name: 'process.exit', data: { code } });
    finish(fatal || (uncaught && code !== 0) ? 'crashed' : 'ended');
    // Exit handlers the program registered after ours run next: no flush would come after them.
    recorder.log.writeThrough();
  };

  const keepFirst = (signal: NodeJS.Signals): void => {
    const listeners = process.listeners(signal);
    if (done || listeners[0] === onSignal || !listeners.includes(onSignal)) return;
    process.removeListener(signal, onSignal);
    process.prependListener(signal, onSignal);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (done) return;
    appendLast({ kind: 'log', name: 'process.signal', data: { signal } });
    if (process.listenerCount(signal) > 1) {
      // The program handles this signal itself (ours is the other listener): it may well go on running.
      finish('running');
      return;
    }
    process.removeListener(signal, onSignal);
    done = true;
    finish('ended');
    // Without a listener left, the re-raised signal takes Node's default action.
    process.kill(process.pid, signal);
  };

  process.on('uncaughtExceptionMonitor', onUncaught);
  process.on('exit', onExit);
  process.on('newListener', onNewListener);
  process.on('removeListener', onRemoveListener);
  if (process.listenerCount('unhandledRejection') > 0) process.on('unhandledRejection', onRejection);
  // First in line, so a program's own once() handler is still registered when
  // we look (it removes itself when it runs): we must not re-raise over it.
  for (const s of signals) process.prependListener(s, onSignal);

  return () => {
    done = true;
    process.removeListener('uncaughtExceptionMonitor', onUncaught);
    process.removeListener('exit', onExit);
    process.removeListener('newListener', onNewListener);
    process.removeListener('removeListener', onRemoveListener);
    process.removeListener('unhandledRejection', onRejection);
    for (const s of signals) process.removeListener(s, onSignal);
  };
}

/** A thrown non-Error as text; String() itself throws for a null-prototype object. */
function describe(thrown: unknown): string {
  try {
    return String(thrown);
  } catch {
    return Object.prototype.toString.call(thrown);
  }
}
