/**
 * The errors of `@monkeytracker/journal`, made with the monorepo's one factory. Codes are stable
 * and never reused for another meaning; every code is documented in the package README.
 */
import { defineError, type ErrorOf, errorTable } from '@monkeytracker/grid';

/** Another live process (or another journal in this process) holds the directory's lock. */
export const JournalLockedError = defineError('JournalLockedError', {
  code: 'JOURNAL_LOCKED',
  scope: 'journal',
  status: 503,
  summary:
    'another live process holds the lock of the journal directory; give each process its own directory',
});

/**
 * A segment holds a frame that fails its checksum, cannot be decoded, or ends torn, or a sealed
 * segment has a damaged block, summary or gzip framing, or a summary that disagrees with its
 * content. Readers skip such damage and report it; they throw this only with `strict: true`.
 */
export const JournalCorruptionError = defineError('JournalCorruptionError', {
  code: 'JOURNAL_CORRUPT',
  scope: 'journal',
  status: 500,
  summary:
    'a segment holds a corrupt frame, a torn tail, or a damaged block or summary (thrown by readers only in strict mode)',
});

/** `append`, `flush` or another operation was called after `close()`. */
export const JournalClosedError = defineError('JournalClosedError', {
  code: 'JOURNAL_CLOSED',
  scope: 'journal',
  status: 503,
  summary: 'the journal was used after close()',
});

/**
 * Writing, truncating or fsyncing a segment failed, e.g. ENOSPC or EIO. Reported through
 * `onError`; the events stay buffered (up to `maxPendingBytes`) and the write is retried.
 */
export const JournalWriteError = defineError('JournalWriteError', {
  code: 'JOURNAL_WRITE_FAILED',
  scope: 'journal',
  status: 503,
  summary:
    'writing or fsyncing a segment failed (disk full, I/O error); events stay buffered and are retried',
});

/**
 * Compressing a segment failed (its temp file is removed; the raw segment stays and is sealed on
 * the next open), or delivering it to `onSeal` failed (retried with backoff); the file stays in place.
 */
export const JournalSealError = defineError('JournalSealError', {
  code: 'JOURNAL_SEAL_FAILED',
  scope: 'journal',
  status: 500,
  summary: 'compressing a segment or delivering it to onSeal failed; the file stays in place',
});

/** `append` was given a value that is not a validated `HeatEvent`; it was dropped and counted. */
export const JournalInvalidEventError = defineError('JournalInvalidEventError', {
  code: 'JOURNAL_INVALID_EVENT',
  scope: 'journal',
  status: 500,
  summary: 'append() was given something that is not a validated HeatEvent; it was dropped',
});

/**
 * The journal directory cannot be created, locked or read at open: read-only file system
 * (EROFS), no permission (EACCES, EPERM), a file where the directory should be (ENOTDIR, EEXIST),
 * a full disk. The message names the path, the system's code and what to do.
 */
export const JournalOpenError = defineError('JournalOpenError', {
  code: 'JOURNAL_OPEN_FAILED',
  scope: 'journal',
  status: 500,
  summary:
    'the journal directory cannot be created, locked or read (read-only, no permission, not a directory); give the process a writable directory',
});

/** An option is missing or out of range. */
export const JournalOptionError = defineError('JournalOptionError', {
  code: 'JOURNAL_INVALID_OPTION',
  scope: 'journal',
  status: 500,
  summary: 'an option passed to a journal function is missing or out of range',
});

/** Any error this package reports through `onError` or throws. */
export type JournalError = ErrorOf<
  | 'JOURNAL_LOCKED'
  | 'JOURNAL_CORRUPT'
  | 'JOURNAL_CLOSED'
  | 'JOURNAL_WRITE_FAILED'
  | 'JOURNAL_SEAL_FAILED'
  | 'JOURNAL_INVALID_EVENT'
  | 'JOURNAL_INVALID_OPTION'
  | 'JOURNAL_OPEN_FAILED'
>;

/** Every error code of this package, with its HTTP status and meaning. */
export const JOURNAL_ERRORS = errorTable(
  JournalLockedError,
  JournalCorruptionError,
  JournalClosedError,
  JournalWriteError,
  JournalSealError,
  JournalInvalidEventError,
  JournalOptionError,
  JournalOpenError,
);
