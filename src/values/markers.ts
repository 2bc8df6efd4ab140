/**
 * Plain objects that stand in for values a recording cannot hold. They are
 * ordinary data once recorded: a reader sees `{ '@hindsight': 'function', name }`.
 */
export const MARKER_KEY = '@hindsight';

export interface FunctionMarker {
  '@hindsight': 'function';
  name: string;
}
export interface SymbolMarker {
  '@hindsight': 'symbol';
  description: string | undefined;
}
export interface CycleMarker {
  '@hindsight': 'cycle';
}
/** The value could not be read (a getter or proxy trap threw, or the structure was too deep). */
export interface UncopyableMarker {
  '@hindsight': 'uncopyable';
  message: string;
}
export type Marker = FunctionMarker | SymbolMarker | CycleMarker | UncopyableMarker;

export function isMarker(value: unknown): value is Marker {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[MARKER_KEY] === 'string';
}

export function functionMarker(fn: (...args: never[]) => unknown): FunctionMarker {
  return { '@hindsight': 'function', name: fn.name };
}

export function symbolMarker(sym: symbol): SymbolMarker {
  return { '@hindsight': 'symbol', description: sym.description };
}

export function cycleMarker(): CycleMarker {
  return { '@hindsight': 'cycle' };
}

export function uncopyableMarker(err: unknown): UncopyableMarker {
  let message: string;
  try {
    message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } catch {
    message = 'unknown error';
  }
  return { '@hindsight': 'uncopyable', message };
}
