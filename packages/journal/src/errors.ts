/**
 * The error table of `@monkeytracker/journal`: one class per failure family, each with a stable
 * `code` that callers can switch on. Codes are never reused for another meaning.
 */

/** Every error code this package throws or reports, with what it means. */
export const JOURNAL_ERROR_CODES = {
  JOURNAL_LOCKED: 'another live process holds the lock file of the journal directory',
  JOURNAL_CORRUPT: 'a segment holds a corrupt frame or a torn tail (thrown by readers only in strict mode)',
  JOURNAL_CLOSED: 'the journal was used after close()',
  JOURNAL_WRITE_FAILED: 'writing or fsyncing a segment failed (disk full, I/O error); events stay buffered',
  JOURNAL_SEAL_FAILED: 'compressing a segment or delivering it to onSeal failed; the file stays in place',
  JOURNAL_INVALID_EVENT: 'append() was given something that is not a validated HeatEvent; it was dropped',
  JOURNAL_INVALID_OPTION: 'an option passed to a journal function is missing or out of range',
} as const;

/** A code from {@link JOURNAL_ERROR_CODES}. */
export type JournalErrorCode = keyof typeof JOURNAL_ERROR_CODES;

/** The base class of every journal error: a stable `code` and a message prefixed with the package. */
export abstract class JournalError extends Error {
  /** Stable code from {@link JOURNAL_ERROR_CODES}. */
  abstract readonly code: JournalErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(`[monkeytracker] [journal] ${message}`, options);
    this.name = new.target.name;
  }
}

/** Another live process (or another journal in this process) holds the directory's lock (code `'JOURNAL_LOCKED'`). */
export class JournalLockedError extends JournalError {
  readonly code = 'JOURNAL_LOCKED' as const;
}

/**
 * A segment holds a frame that fails its checksum, cannot be decoded, or ends torn
 * (code `'JOURNAL_CORRUPT'`). Readers skip such frames and report them; they throw this only with
 * `strict: true`.
 */
export class JournalCorruptionError extends JournalError {
  readonly code = 'JOURNAL_CORRUPT' as const;
}

/** `append`, `flush` or another operation was called after `close()` (code `'JOURNAL_CLOSED'`). */
export class JournalClosedError extends JournalError {
  readonly code = 'JOURNAL_CLOSED' as const;
}

/**
 * Writing, truncating or fsyncing a segment failed, e.g. ENOSPC or EIO (code `'JOURNAL_WRITE_FAILED'`).
 * Reported through `onError`; the events stay buffered (up to `maxPendingBytes`) and the write is retried.
 */
export class JournalWriteError extends JournalError {
  readonly code = 'JOURNAL_WRITE_FAILED' as const;
}

/**
 * Gzipping a sealed segment or delivering it to `onSeal` failed (code `'JOURNAL_SEAL_FAILED'`).
 * The segment file always stays in place (raw or gzipped), so nothing is lost.
 */
export class JournalSealError extends JournalError {
  readonly code = 'JOURNAL_SEAL_FAILED' as const;
}

/** `append` was given a value that is not a validated `HeatEvent`; it was dropped and counted (code `'JOURNAL_INVALID_EVENT'`). */
export class JournalInvalidEventError extends JournalError {
  readonly code = 'JOURNAL_INVALID_EVENT' as const;
}

/** An option is missing or out of range (code `'JOURNAL_INVALID_OPTION'`). */
export class JournalOptionError extends JournalError {
  readonly code = 'JOURNAL_INVALID_OPTION' as const;
}
