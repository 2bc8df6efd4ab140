/**
 * startRecording: one call that opens a session and feeds it OpenTelemetry
 * spans, crash-safe process hooks and the package-root track/record.
 */
import { format } from 'node:util';
import { trace } from '@opentelemetry/api';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { Recorder, type RecorderOptions } from './Recorder.js';
import { RecordingSpanProcessor, type SpanProcessorLike } from './RecordingSpanProcessor.js';
import { activate, deactivate } from './active.js';
import { installProcessHooks, type ProcessHooksOptions } from './processHooks.js';
import { createRedactor, type RedactionOptions } from './redact.js';
import { ErrorCodes, HindsightError } from '../src/errors.js';
import { copyValue } from '../src/values/copyValue.js';
import { kindOf } from './restore.js';

/** Instrumentations loaded by name when installed (optional dependencies). */
export const DEFAULT_INSTRUMENTATIONS = ['http', 'undici'] as const;
export type InstrumentationName = (typeof DEFAULT_INSTRUMENTATIONS)[number];

/**
 * Each instrumentation's package, and the modules it patches through the
 * ESM loader hook (undici's listens on diagnostics_channel: none).
 */
const INSTRUMENTATION_MODULES: Record<InstrumentationName, { module: string; exportName: string; esmModules: string[] }> = {
  http: { module: '@opentelemetry/instrumentation-http', exportName: 'HttpInstrumentation', esmModules: ['http', 'https'] },
  undici: { module: '@opentelemetry/instrumentation-undici', exportName: 'UndiciInstrumentation', esmModules: [] },
};

/**
 * The modules the OpenTelemetry ESM hook must intercept for these
 * instrumentations. Only these: an intercepted module's exports are
 * re-exported by a wrapper, whose `export let` bindings no longer update in
 * the importer (a program whose `db` is assigned by `await connect()` saw
 * null under a hook that intercepted every module).
 */
export function esmHookModules(list: readonly (InstrumentationName | object)[] = DEFAULT_INSTRUMENTATIONS): string[] {
  return [...new Set(list.flatMap((n) => (typeof n === 'string' ? (INSTRUMENTATION_MODULES[n]?.esmModules ?? []) : [])))];
}

export interface StartRecordingOptions extends Omit<RecorderOptions, 'redactor'> {
  /** service.name of the resource (NodeSDK mode). */
  serviceName?: string;
  /**
   * Instrumentations for the NodeSDK: names loaded from their optional
   * packages when installed (default ['http', 'undici']), instances, or both.
   */
  instrumentations?: (InstrumentationName | object)[];
  /** More span processors next to hindsight's (an OTLP BatchSpanProcessor keeps exporting). */
  spanProcessors?: SpanProcessorLike[];
  /** An exporter, wrapped in a BatchSpanProcessor. */
  traceExporter?: object;
  /**
   * Metric readers for the NodeSDK (an OTLP PeriodicExportingMetricReader, say).
   * Default: the ones OTEL_METRICS_EXPORTER names, else none.
   */
  metricReaders?: object[];
  /**
   * 'sdk' (default) starts a NodeSDK; 'global' attaches the recording
   * processor to the TracerProvider the program already registered; a
   * provider object attaches to that one.
   */
  tracerProvider?: 'sdk' | 'global' | object;
  /** Redaction rules (default: the deny-list in redact.ts); false records values as they are. */
  redact?: RedactionOptions | false;
  /** Crash-safety hooks (default on); false leaves the process alone. */
  processHooks?: ProcessHooksOptions | false;
  /** Records console.log/info/warn/error/debug output as `log` events (default false). */
  captureConsole?: boolean;
  /** Make this the recorder behind the package-root track/record (default true). */
  activate?: boolean;
}

export interface RecordingHandle {
  recorder: Recorder;
  processor: RecordingSpanProcessor;
}

/** The recorder `node --import hindsight/register` started in this process, while it records. */
let zeroCode: Recorder | undefined;

/** Called by register: a program that calls startRecording itself gets this recorder (see below). */
export function setZeroCodeRecorder(recorder: Recorder): void {
  zeroCode = recorder;
  recorder.onStop(() => {
    if (zeroCode === recorder) zeroCode = undefined;
  });
}

/** Opens a session and starts recording spans into it; resolves to the recorder (its stop() shuts everything down). */
export async function startRecording(options: StartRecordingOptions = {}): Promise<Recorder> {
  const onError = options.onError ?? (() => {});
  // The program is recorded already (hindsight/register): a second recorder would meet the
  // directory's lock (its own pid) or install OpenTelemetry twice. It gets the running one.
  if (zeroCode !== undefined) {
    onError(new HindsightError(ErrorCodes.INVALID_ARGUMENT, 'startRecording(): this process is already recorded through hindsight/register; its recorder is returned and these options are ignored'));
    return zeroCode;
  }
  const redactor = createRedactor(options.redact);
  const recorder = await Recorder.open({ ...options, redactor });
  try {
    const processor = new RecordingSpanProcessor(recorder.log, { redactor, onError });
    const mode = options.tracerProvider ?? 'sdk';
    if (mode === 'sdk') await startSdk(recorder, processor, options);
    else attach(recorder, processor, mode === 'global' ? trace.getTracerProvider() : mode);
    if (options.captureConsole) recorder.onStop(captureConsole(recorder));
    if (options.processHooks !== false) recorder.onStop(installProcessHooks(recorder, { onError, ...options.processHooks }));
    if (options.activate !== false) {
      activate(recorder);
      recorder.onStop(() => deactivate(recorder));
    }
    return recorder;
  } catch (err) {
    await recorder.stop().catch(() => {});
    throw err;
  }
}

async function startSdk(recorder: Recorder, processor: RecordingSpanProcessor, options: StartRecordingOptions): Promise<void> {
  const processors: SpanProcessorLike[] = [processor, ...(options.spanProcessors ?? [])];
  if (options.traceExporter) processors.push(new tracing.BatchSpanProcessor(options.traceExporter as tracing.SpanExporter));
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    spanProcessors: processors as tracing.SpanProcessor[],
    instrumentations: (await loadInstrumentations(options.instrumentations ?? [...DEFAULT_INSTRUMENTATIONS], options.onError)) as any[],
    // No OTLP log or metric export unless the program asks for it: recording spans must not open sockets.
    // (Left alone, NodeSDK exports metrics over OTLP to localhost every minute
    // and has the http instrumentation record a histogram on every request.)
    logRecordProcessors: [],
    metricReaders: (options.metricReaders ?? (envNamesMetricExporters() ? undefined : [])) as any[] | undefined,
  });
  sdk.start();
  recorder.onStop(() => sdk.shutdown());
}

/** Whether OTEL_METRICS_EXPORTER names an exporter, by NodeSDK's own reading (comma-separated, blanks ignored). */
function envNamesMetricExporters(): boolean {
  return (process.env.OTEL_METRICS_EXPORTER ?? '').split(',').some((name) => name.trim() !== '');
}

/** Loads named instrumentations from their packages; a missing package is skipped (and reported once). */
export async function loadInstrumentations(list: (InstrumentationName | object)[], onError: (err: unknown) => void = () => {}): Promise<object[]> {
  const out: object[] = [];
  for (const item of list) {
    if (typeof item !== 'string') {
      out.push(item);
      continue;
    }
    const spec = INSTRUMENTATION_MODULES[item];
    if (!spec) {
      onError(new Error(`hindsight: unknown instrumentation "${item}" (known: ${Object.keys(INSTRUMENTATION_MODULES).join(', ')})`));
      continue;
    }
    try {
      // A variable specifier: the package is optional and may be absent at build time too.
      const mod: Record<string, any> = await import(spec.module);
      out.push(new mod[spec.exportName]());
    } catch (err) {
      onError(new Error(`hindsight: ${item} instrumentation unavailable (${spec.module} not installed?)`, { cause: err }));
    }
  }
  return out;
}

/**
 * Adds the processor to a live provider. sdk-trace 2.x providers take their
 * processors in the constructor only, so this reaches into the provider's
 * MultiSpanProcessor; 1.x providers have addSpanProcessor.
 */
function attach(recorder: Recorder, processor: RecordingSpanProcessor, provider: object): void {
  let p: any = provider;
  if (typeof p.getDelegate === 'function') p = p.getDelegate();
  if (typeof p.addSpanProcessor === 'function') {
    p.addSpanProcessor(processor);
    recorder.onStop(() => processor.shutdown());
    return;
  }
  const list: unknown = p._activeSpanProcessor?._spanProcessors;
  if (!Array.isArray(list)) {
    throw new Error('hindsight: cannot attach to this TracerProvider (no SDK provider registered?); pass new RecordingSpanProcessor(recorder.log) in its spanProcessors instead');
  }
  list.push(processor);
  recorder.onStop(async () => {
    await processor.shutdown();
    const i = list.indexOf(processor);
    if (i >= 0) list.splice(i, 1);
  });
}

const CONSOLE_LEVELS = ['log', 'info', 'warn', 'error', 'debug'] as const;

/** Wraps the console methods; returns the function that restores them. */
function captureConsole(recorder: Recorder): () => void {
  const originals = CONSOLE_LEVELS.map((level) => [level, console[level]] as const);
  for (const [level, original] of originals) {
    console[level] = (...args: unknown[]) => {
      recorder.log.append({ kind: 'log', name: `console.${level}`, data: consoleText(recorder, args) });
      original.apply(console, args);
    };
  }
  return () => {
    for (const [level, original] of originals) console[level] = original;
  };
}

/**
 * The line as recorded: plain objects, arrays and Maps among the arguments
 * are redacted by key before formatting (copied first: the program's own
 * objects stay as they are, cycles included), then `key=value` pairs in the
 * text. The program's console prints the original arguments.
 */
function consoleText(recorder: Recorder, args: unknown[]): string {
  const r = recorder.redactor;
  if (!r) return format(...args);
  return r.url(format(...args.map((a) => (KEYED_KINDS.has(kindOf(a)) ? r.value(copyValue(a)) : a))));
}

/** The containers whose keys redaction reads (restore's classification of values). */
const KEYED_KINDS = new Set(['object', 'array', 'map']);
