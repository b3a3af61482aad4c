export { type CombinedEntries, combineEntries } from './combine-entries';
export {
  isRetryableStorageError,
  type MergeProgress,
  STORAGE_ERROR_CODES,
  StorageBackendError,
  StorageCapacityError,
  StorageClosedError,
  StorageConflictError,
  StorageCorruptionError,
  StorageError,
  type StorageErrorCode,
  type StorageErrorOptions,
  StorageFilterError,
  StorageUnavailableError,
} from './errors';
export {
  keyMatchesFilter,
  type NormalizedFilter,
  normalizeDeleteFilter,
  normalizeListFilter,
} from './list-filter';
export { MemoryStorage, type MemoryStorageOptions } from './memory-storage';
export type {
  DeleteFilter,
  ListFilter,
  StorageAdapter,
  StorageCapabilities,
  StorageEntry,
  StoredIndex,
} from './storage-adapter';
