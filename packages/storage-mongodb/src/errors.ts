/**
 * The errors of `@monkeytracker/storage-mongodb`. Failures every adapter can meet (unavailable,
 * closed, full, corrupt, conflict, failed) are the shared families of `@monkeytracker/storage`;
 * only what is specific to this adapter gets a code of its own.
 */
import { defineError, errorTable } from '@monkeytracker/grid';

/** `new MongoStorage(options)` got no `uri`, `client` or `collection`, more than one, or a bad number. */
export const MongoStorageOptionsError = defineError('MongoStorageOptionsError', {
  code: 'MONGO_STORAGE_INVALID_OPTIONS',
  scope: 'storage-mongodb',
  status: 500,
  summary:
    'MongoStorage options are missing or contradictory (uri / client / collection), or a number is out of range',
});

/** Every error code of this package, with its HTTP status and meaning. */
export const MONGO_STORAGE_ERRORS = errorTable(MongoStorageOptionsError);
