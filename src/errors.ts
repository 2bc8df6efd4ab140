/**
 * One error class for everything hindsight raises, with stable codes that
 * scripts and the CLI can match on (the abstract-level model). The message is
 * always one line and starts with the code.
 */
export const ErrorCodes = {
  /** Another process holds the recording directory (message names its pid). */
  LOCKED: 'HINDSIGHT_LOCKED',
  /** A stored block failed its checksum or could not be decoded. */
  CORRUPT_BLOCK: 'HINDSIGHT_CORRUPT_BLOCK',
  /** A stored snapshot failed its checksum or could not be decoded. */
  CORRUPT_SNAPSHOT: 'HINDSIGHT_CORRUPT_SNAPSHOT',
  /** No session with that id or name. */
  UNKNOWN_SESSION: 'HINDSIGHT_UNKNOWN_SESSION',
  /** No snapshot with that id. */
  UNKNOWN_SNAPSHOT: 'HINDSIGHT_UNKNOWN_SNAPSHOT',
  /** An argument failed validation. */
  INVALID_ARGUMENT: 'HINDSIGHT_INVALID_ARGUMENT',
  /** The log or manager was used after close(). */
  CLOSED: 'HINDSIGHT_CLOSED',
  /** Data written by an unknown (newer or foreign) format version. */
  UNSUPPORTED_FORMAT: 'HINDSIGHT_UNSUPPORTED_FORMAT',
  /** An import file is truncated, foreign or fails validation. */
  INVALID_IMPORT: 'HINDSIGHT_INVALID_IMPORT',
  /** Encrypted data with a missing or wrong key. */
  DECRYPTION_FAILED: 'HINDSIGHT_DECRYPTION_FAILED',
  /** The directory does not exist or is not a recording. */
  NOT_FOUND: 'HINDSIGHT_NOT_FOUND',
  /** A write to the store failed. */
  WRITE_FAILED: 'HINDSIGHT_WRITE_FAILED',
  /** The viewer's port is taken by another server. */
  PORT_IN_USE: 'HINDSIGHT_PORT_IN_USE',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class HindsightError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(`${code}: ${message.replace(/\s*\n\s*/g, ' ')}`, options);
    this.name = 'HindsightError';
    this.code = code;
    this.details = details;
  }
}

export function isHindsightError(err: unknown, code?: ErrorCode): err is HindsightError {
  return err instanceof HindsightError && (code === undefined || err.code === code);
}
