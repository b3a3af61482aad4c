export { type HeatEventInput, isMonkeyTrackerError, type MonkeyTrackerError } from '@monkeytracker/grid';
export {
  type CacheOptions,
  FlushIncompleteError,
  type GridOptions,
  type ResolvedOptions,
  TrackerOptionError,
  type TrackRejectReason,
  type TrackResult,
} from '@monkeytracker/pipeline';
// Re-exported so a host needs one import for the common case.
export {
  type HeatCell,
  type Heatmap,
  InvalidQueryError,
  InvalidRangeError,
  type PageList,
  type PagesQuery,
  type PageTotals,
} from '@monkeytracker/query';
export { MemoryStorage, type StorageAdapter } from '@monkeytracker/storage';
export {
  createTracker,
  type Tracker,
  type TrackerEvent,
  type TrackerQuery,
  type TrackerStats,
} from './create-tracker';
export { TRACKER_ERRORS, TrackerClosedError } from './errors';
export { type ReplayOptions, type ReplayProgress, type ReplayResult, replay } from './replay';
export type { TrackerJournalOptions, TrackerLogger, TrackerOptions } from './tracker-options';
