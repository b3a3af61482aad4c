export {
  STORAGE_ERRORS,
  StorageBackendError,
  StorageCapacityError,
  StorageClosedError,
  StorageConflictError,
  StorageCorruptionError,
  StorageEntryError,
  StorageFilterError,
  StorageUnavailableError,
} from './errors';
export {
  DEFAULT_MARK_TTL_MS,
  type FoldedMerge,
  foldMerge,
  groupEntries,
  type KeyMerge,
  type MergePart,
  markPositions,
  type WriterMarks,
} from './fold-merge';
export {
  keyMatchesFilter,
  type NormalizedFilter,
  normalizeDeleteFilter,
  normalizeListFilter,
  type PeriodPrefix,
  periodPrefix,
} from './list-filter';
export { DEFAULT_MEMORY_MAX_BYTES, MemoryStorage, type MemoryStorageOptions } from './memory-storage';
export type {
  DeleteFilter,
  ListedIndex,
  ListFilter,
  MergeEntry,
  MergeReport,
  StorageAdapter,
  StorageCapabilities,
  StoredIndex,
} from './storage-adapter';
