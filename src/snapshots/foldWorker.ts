/**
 * The fold worker's entry: folds chains into full records off the program
 * thread (see FoldRunner). Input records arrive as transferred ArrayBuffers
 * and the result goes back the same way, so neither side copies O(state)
 * bytes through structured clone.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isHindsightError } from '../errors.js';
import { foldRecords, ownedBytes, type FoldRequest } from './fold.js';

export interface FoldMessage extends FoldRequest {
  requestId: number;
}

// Only in a worker started by FoldRunner (test runners run modules in workers too).
if (workerData?.hindsightFold === true) parentPort?.on('message', (msg: FoldMessage) => {
  try {
    const { record, meta, foldMs } = foldRecords(msg);
    const out = ownedBytes(record);
    parentPort!.postMessage({ requestId: msg.requestId, ok: true, record: out, meta, foldMs }, [out.buffer as ArrayBuffer]);
  } catch (err) {
    const e = err as Error;
    parentPort!.postMessage({
      requestId: msg.requestId,
      ok: false,
      error: { code: isHindsightError(err) ? err.code : undefined, message: e.message, details: isHindsightError(err) ? err.details : {} },
    });
  }
});
