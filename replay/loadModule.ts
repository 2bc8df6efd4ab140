/** Loads today's code for a replay from a module file (the CLI's `--reducers`). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, HindsightError } from '../src/errors.js';
import type { Reducers } from '../reconstructor/replay.js';
import type { ReplayHandler } from './replay.js';

export type ReplayModule = { reducers: Reducers; handler?: undefined } | { handler: ReplayHandler; reducers?: undefined };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * What a module exports, in this order: a named `handler` function, a named
 * `reducers` object, the same two on the default export (a CommonJS
 * `module.exports`), a default function (a handler), a default object of
 * functions (reducers). ESM or CommonJS, resolved against `cwd`.
 */
export async function loadReplayModule(path: string, cwd = process.cwd()): Promise<ReplayModule> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `reducers module ${file} does not exist`, { path: file });
  let ns: Record<string, unknown>;
  try {
    ns = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new HindsightError(ErrorCodes.INVALID_ARGUMENT, `cannot load reducers module ${file}: ${String((err as Error)?.message ?? err).split('\n')[0]}`, { path: file }, { cause: err });
  }
  for (const source of [ns, ns.default]) {
    if (!isObject(source) && typeof source !== 'function') continue;
    const s = source as Record<string, unknown>;
    if (typeof s.handler === 'function') return { handler: s.handler as ReplayHandler };
    if (isObject(s.reducers)) return { reducers: s.reducers as Reducers };
  }
  if (typeof ns.default === 'function') return { handler: ns.default as ReplayHandler };
  if (isObject(ns.default) && Object.keys(ns.default).length > 0 && Object.values(ns.default).every((v) => typeof v === 'function')) {
    return { reducers: ns.default as Reducers };
  }
  throw new HindsightError(
    ErrorCodes.INVALID_ARGUMENT,
    `reducers module ${file} must export \`reducers\` (an object of functions by event name), \`handler\` (a function), or one of them as its default export`,
    { path: file },
  );
}
