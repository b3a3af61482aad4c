/**
 * The error table of `monkeytracker` (the facade). Errors of the packages underneath
 * (grid, journal, storage, query) keep their own codes and pass through unchanged.
 */
export const TRACKER_ERROR_CODES = {
  TRACKER_CLOSED: 'track/query/flush was called after close()',
  INVALID_OPTION: 'an option of createTracker or replay is missing or out of range',
  FLUSH_INCOMPLETE:
    'flush() or close() could not merge every live delta into storage in time (storage down?)',
} as const;

/** A code from {@link TRACKER_ERROR_CODES}. */
export type TrackerErrorCode = keyof typeof TRACKER_ERROR_CODES;

abstract class TrackerError extends Error {
  abstract readonly code: TrackerErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(`[monkeytracker] ${message}`, options);
    this.name = new.target.name;
  }
}

/** The tracker was used after `close()` (code `'TRACKER_CLOSED'`). */
export class TrackerClosedError extends TrackerError {
  readonly code = 'TRACKER_CLOSED' as const;
}

/** An option of `createTracker` or `replay` is invalid (code `'INVALID_OPTION'`). */
export class TrackerOptionError extends TrackerError {
  readonly code = 'INVALID_OPTION' as const;
}

/**
 * `flush()`/`close()` gave up with deltas still unmerged (code `'FLUSH_INCOMPLETE'`). Nothing
 * is lost while the process lives (the deltas stay queued) or when a journal is on (replay
 * restores them); `pendingDeltas` says how many are waiting.
 */
export class FlushIncompleteError extends TrackerError {
  readonly code = 'FLUSH_INCOMPLETE' as const;
  readonly pendingDeltas: number;
  constructor(message: string, pendingDeltas: number, options?: ErrorOptions) {
    super(message, options);
    this.pendingDeltas = pendingDeltas;
  }
}
