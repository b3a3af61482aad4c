export { createTracker, type Tracker, type TrackerQuery, type TrackerStats } from './create-tracker';
export { replay, type ReplayOptions, type ReplayProgress, type ReplayResult } from './replay';
export type { TrackRejectReason, TrackResult } from './ingest-engine';
export type { CacheOptions, GridOptions, ResolvedOptions, TrackerOptions } from './tracker-options';
export {
  FlushIncompleteError,
  TRACKER_ERROR_CODES,
  TrackerClosedError,
  type TrackerErrorCode,
  TrackerOptionError,
} from './errors';
// Re-exported so a host needs one import for the common case.
export type { Heatmap, HeatCell } from '@monkeytracker/query';
export { QueryError } from '@monkeytracker/query';
export type { HeatEventInput } from '@monkeytracker/grid';
export { MemoryStorage, type StorageAdapter } from '@monkeytracker/storage';
