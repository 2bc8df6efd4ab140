/**
 * Whether a block is being packed somewhere in this thread. msgpackr keeps
 * its buffer in module state shared by every packer, so packing anything
 * while a block is packed (an append made by a getter in the event data
 * sealing a block of this or another log, a synchronous spill) corrupts
 * that block. Every log of the thread consults the same guard.
 */
let packing = false;

/**
 * Reports made while a block was packed, delivered as soon as the packing
 * ends (synchronously, so an exit path still hears them): onError may
 * itself flush or append.
 */
const heldReports: (() => void)[] = [];

export function isPacking(): boolean {
  return packing;
}

/** Runs `pack` with the guard up. */
export function whilePacking<T>(pack: () => T): T {
  packing = true;
  try {
    return pack();
  } finally {
    packing = false;
  }
}

/** Holds a report until the packing ends. */
export function holdReport(report: () => void): void {
  heldReports.push(report);
}

export function releaseHeldReports(): void {
  while (heldReports.length > 0) heldReports.shift()!();
}
