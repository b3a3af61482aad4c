export type { HeatEventInput } from '@monkeytracker/grid';
// Re-exported so a host needs one import for the common case.
export type { HeatCell, Heatmap } from '@monkeytracker/query';
export { QueryError } from '@monkeytracker/query';
export { MemoryStorage, type StorageAdapter } from '@monkeytracker/storage';
export { createTracker, type Tracker, type TrackerQuery, type TrackerStats } from './create-tracker';
export {
  FlushIncompleteError,
  TRACKER_ERROR_CODES,
  TrackerClosedError,
  type TrackerErrorCode,
  TrackerOptionError,
} from './errors';
export type { CorsOption } from './http-cors';
export { HTTP_ERROR_CODES, type HttpErrorBody, type HttpErrorCode } from './http-errors';
export { type FastifyReplyLike, type FastifyRequestLike, toFastifyHook } from './http-fastify';
export {
  createHandler,
  type HandlerOptions,
  type HandlerStats,
  type MonkeyTrackerHandler,
  type NextFunction,
} from './http-handler';
export type { TrackRejectReason, TrackResult } from './ingest-engine';
export { type ReplayOptions, type ReplayProgress, type ReplayResult, replay } from './replay';
export type { CacheOptions, GridOptions, ResolvedOptions, TrackerOptions } from './tracker-options';
