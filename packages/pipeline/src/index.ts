export { FlushIncompleteError, PIPELINE_ERRORS, TrackerOptionError } from './errors';
export type { TrackRejectReason, TrackResult } from './ingest/ingest-path';
export { withDeadline } from './merge/deadline';
export type { FlushOutcome, FlushPolicy, Timer } from './merge/retry-policy';
export {
  type JournalFailurePolicy,
  Pipeline,
  type PipelineOptions,
  type PipelineStats,
  recoveryStart,
} from './pipeline';
export type { PipelineEvent } from './pipeline-events';
export {
  type AggregationOptions,
  type CacheOptions,
  type GridOptions,
  positiveInteger,
  type ResolvedOptions,
  resolveOptions,
} from './pipeline-options';
export type { ReplayProgress } from './recovery/replay-frames';
