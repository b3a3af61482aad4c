/**
 * The failure families every storage adapter reports, so the pipeline and the HTTP layer can
 * switch on `err.code` whatever adapter is plugged in. Adapters in other packages throw these
 * classes (with their own message prefix where it helps) or define their own codes.
 */
import { defineError, errorTable } from '@monkeytracker/grid';

/** A merge lost the race for one key too often (another writer holds it, or a dead writer's claim). */
export const StorageConflictError = defineError('StorageConflictError', {
  code: 'STORAGE_CONFLICT',
  scope: 'storage',
  status: 503,
  summary: 'a merge could not win one key in time (contention or a dead writer’s claim); it is retried',
}).withFields<{ /** The canonical string of the contended key. */ key: string }>();

/** The adapter was closed; operations after `close()` reject with this. */
export const StorageClosedError = defineError('StorageClosedError', {
  code: 'STORAGE_CLOSED',
  scope: 'storage',
  status: 503,
  summary: 'the storage adapter was used after close()',
});

/** The backend is down, unreachable or timed out; `cause` holds the driver's error. */
export const StorageUnavailableError = defineError('StorageUnavailableError', {
  code: 'STORAGE_UNAVAILABLE',
  scope: 'storage',
  status: 503,
  summary: 'storage is unreachable or timed out; retry later',
});

/** A merge would exceed a capacity limit; nothing of that merge call was applied. */
export const StorageCapacityError = defineError('StorageCapacityError', {
  code: 'STORAGE_FULL',
  scope: 'storage',
  status: 507,
  summary: 'a merge would exceed the storage capacity (MemoryStorage maxBytes, a document size limit)',
});

/** A stored blob cannot be decoded; `cause` is the grid `IndexCodecError`. */
export const StorageCorruptionError = defineError('StorageCorruptionError', {
  code: 'STORAGE_CORRUPT',
  scope: 'storage',
  status: 500,
  summary: 'a stored index cannot be decoded; delete the key or rebuild it by replaying the journal',
}).withFields<{ /** The canonical string of the key whose blob is corrupt. */ key: string }>();

/** A `list`/`delete` filter is malformed, or `delete` got no filter. */
export const StorageFilterError = defineError('StorageFilterError', {
  code: 'STORAGE_INVALID_FILTER',
  scope: 'storage',
  status: 400,
  summary: 'a list/delete filter is malformed, or delete was called without a filter',
});

/** A merge entry is malformed (writer id, position). */
export const StorageEntryError = defineError('StorageEntryError', {
  code: 'STORAGE_INVALID_ENTRY',
  scope: 'storage',
  status: 500,
  summary: 'a merge entry has a malformed writer id or position; nothing of the call was applied',
});

/** The backend rejected an operation for a reason a retry will not fix. */
export const StorageBackendError = defineError('StorageBackendError', {
  code: 'STORAGE_FAILED',
  scope: 'storage',
  status: 500,
  summary: 'the storage backend rejected an operation for a reason retrying will not fix',
});

/** Every error code of this package, with its HTTP status and meaning. */
export const STORAGE_ERRORS = errorTable(
  StorageConflictError,
  StorageClosedError,
  StorageUnavailableError,
  StorageCapacityError,
  StorageCorruptionError,
  StorageFilterError,
  StorageEntryError,
  StorageBackendError,
);
