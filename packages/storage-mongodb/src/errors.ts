/**
 * The error table of `@monkeytracker/storage-mongodb`. Failures the facade must handle for any
 * adapter (conflict, unavailable, closed, full, corrupt, failed) are the shared families of
 * `@monkeytracker/storage`, thrown here with this package's message prefix; only what is
 * specific to MongoDB gets a code of its own.
 */
import { STORAGE_ERROR_CODES, StorageError } from '@monkeytracker/storage';

/** Message prefix of every error this package throws. */
export const MONGO_PREFIX = '[monkeytracker] [storage-mongodb] ';

/** Codes specific to this package, with what they mean. */
export const MONGO_STORAGE_ERROR_CODES = {
  MONGO_STORAGE_INVALID_OPTIONS:
    'MongoStorage options are missing or contradictory (uri / client / collection)',
} as const;

/** A code from {@link MONGO_STORAGE_ERROR_CODES}. */
export type MongoStorageErrorCode = keyof typeof MONGO_STORAGE_ERROR_CODES;

/** Every code `MongoStorage` can throw: its own plus the shared storage families it uses. */
export const MONGO_STORAGE_THROWN_CODES = {
  ...MONGO_STORAGE_ERROR_CODES,
  STORAGE_CONFLICT: STORAGE_ERROR_CODES.STORAGE_CONFLICT,
  STORAGE_CLOSED: STORAGE_ERROR_CODES.STORAGE_CLOSED,
  STORAGE_UNAVAILABLE: STORAGE_ERROR_CODES.STORAGE_UNAVAILABLE,
  STORAGE_FULL: STORAGE_ERROR_CODES.STORAGE_FULL,
  STORAGE_CORRUPT: STORAGE_ERROR_CODES.STORAGE_CORRUPT,
  STORAGE_INVALID_FILTER: STORAGE_ERROR_CODES.STORAGE_INVALID_FILTER,
  STORAGE_FAILED: STORAGE_ERROR_CODES.STORAGE_FAILED,
} as const;

/** `new MongoStorage(options)` got no `uri`, `client` or `collection`, or more than one (code `'MONGO_STORAGE_INVALID_OPTIONS'`). */
export class MongoStorageOptionsError extends StorageError {
  readonly code = 'MONGO_STORAGE_INVALID_OPTIONS' as const;
  constructor(message: string) {
    super(message, {}, MONGO_PREFIX);
  }
}
