/**
 * The error table of `@monkeytracker/storage`: the failure families every storage adapter
 * reports, so the facade can switch on `err.code` whatever adapter is plugged in. Codes are
 * stable and never reused for another meaning.
 */

/** Every error code a storage adapter may throw, with what it means. */
export const STORAGE_ERROR_CODES = {
  STORAGE_CONFLICT: 'a merge lost the compare-and-swap race on one key more times than allowed',
  STORAGE_CLOSED: 'the adapter was closed; every operation after close() rejects',
  STORAGE_UNAVAILABLE:
    'the backend is unreachable or timed out; retry later (only the pendingKeys of a merge)',
  STORAGE_FULL: 'a merge would exceed the configured capacity (MemoryStorage maxBytes, document size limit)',
  STORAGE_CORRUPT: 'a stored index blob cannot be decoded',
  STORAGE_INVALID_FILTER: 'a list/delete filter is malformed, or delete was called without a filter',
  STORAGE_FAILED: 'the backend rejected an operation for a reason retrying will not fix',
} as const;

/** A code from {@link STORAGE_ERROR_CODES}. */
export type StorageErrorCode = keyof typeof STORAGE_ERROR_CODES;

/**
 * Which keys of a failed `merge` call were applied, which were not, and which may or may not
 * have been (the request was in flight when the connection broke). Keys are in their canonical
 * string form (`keyToString`). Retrying exactly the `pendingKeys` never double counts.
 */
export interface MergeProgress {
  /** Keys whose delta is stored; do not merge them again. */
  readonly appliedKeys: readonly string[];
  /** Keys whose delta is certainly not stored; safe to merge again. */
  readonly pendingKeys: readonly string[];
  /** Keys whose write was in flight when the backend failed: applied or not, nobody can tell. */
  readonly unknownKeys: readonly string[];
}

/** Options of every storage error: the usual `cause`, plus the merge progress when a merge failed. */
export interface StorageErrorOptions extends ErrorOptions {
  /** Set when the error ends a `merge` call. */
  progress?: MergeProgress;
}

/**
 * The base of every storage error. Adapters in other packages may extend it for their own
 * families; the facade only relies on {@link StorageError.code}.
 */
export abstract class StorageError extends Error {
  /** The stable code from {@link STORAGE_ERROR_CODES} (or an adapter's own table). */
  abstract readonly code: string;
  /** Whether retrying the same operation later can succeed. */
  readonly retryable: boolean = false;
  /** Which keys of the failed merge were applied; `undefined` when the error did not end a merge. */
  readonly progress: MergeProgress | undefined;

  constructor(message: string, options: StorageErrorOptions = {}, prefix = '[monkeytracker] [storage] ') {
    super(`${prefix}${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.progress = options.progress;
  }

  /** Keys of the failed merge that are certainly not stored (all of them when nothing was applied). */
  get pendingKeys(): readonly string[] {
    return this.progress?.pendingKeys ?? [];
  }

  /** Keys of the failed merge that are stored. */
  get appliedKeys(): readonly string[] {
    return this.progress?.appliedKeys ?? [];
  }

  /** Keys of the failed merge whose outcome is unknown (the connection broke mid-write). */
  get unknownKeys(): readonly string[] {
    return this.progress?.unknownKeys ?? [];
  }
}

/** A merge lost the compare-and-swap race on {@link StorageConflictError.key} too often (code `'STORAGE_CONFLICT'`). */
export class StorageConflictError extends StorageError {
  readonly code = 'STORAGE_CONFLICT' as const;
  // Contention passes; a later retry of the pending keys usually wins.
  override readonly retryable = true;
  /** The canonical string of the hot key. */
  readonly key: string;
  constructor(key: string, message: string, options?: StorageErrorOptions, prefix?: string) {
    super(message, options, prefix);
    this.key = key;
  }
}

/** The adapter was closed; operations after `close()` reject with this (code `'STORAGE_CLOSED'`). */
export class StorageClosedError extends StorageError {
  readonly code = 'STORAGE_CLOSED' as const;
}

/**
 * The backend is down, unreachable or timed out (code `'STORAGE_UNAVAILABLE'`); `cause` holds the
 * driver's error. Retryable: for a merge, retry only {@link StorageError.pendingKeys}.
 */
export class StorageUnavailableError extends StorageError {
  readonly code = 'STORAGE_UNAVAILABLE' as const;
  override readonly retryable = true;
}

/** A merge would exceed a capacity limit; nothing of that merge call was applied (code `'STORAGE_FULL'`). */
export class StorageCapacityError extends StorageError {
  readonly code = 'STORAGE_FULL' as const;
}

/** A stored blob cannot be decoded; `cause` is the grid `IndexCodecError` (code `'STORAGE_CORRUPT'`). */
export class StorageCorruptionError extends StorageError {
  readonly code = 'STORAGE_CORRUPT' as const;
  /** The canonical string of the key whose blob is corrupt. */
  readonly key: string;
  constructor(key: string, message: string, options?: StorageErrorOptions, prefix?: string) {
    super(message, options, prefix);
    this.key = key;
  }
}

/** A `list`/`delete` filter is malformed, or `delete` got no filter (code `'STORAGE_INVALID_FILTER'`). */
export class StorageFilterError extends StorageError {
  readonly code = 'STORAGE_INVALID_FILTER' as const;
}

/** The backend rejected an operation for a reason a retry will not fix (code `'STORAGE_FAILED'`). */
export class StorageBackendError extends StorageError {
  readonly code = 'STORAGE_FAILED' as const;
}

const RETRYABLE_CODES: ReadonlySet<string> = new Set(['STORAGE_UNAVAILABLE', 'STORAGE_CONFLICT']);

/**
 * True when `err` is a storage error that may succeed if retried later (backend unavailable,
 * conflict). Checks `code`, not `instanceof`, so it works across bundles and adapter packages.
 */
export function isRetryableStorageError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}
