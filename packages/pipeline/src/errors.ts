/** The errors of `@monkeytracker/pipeline` (the facade re-exports them). */
import { defineError, errorTable } from '@monkeytracker/grid';

/** An option of the tracker, the pipeline or a replay is missing or out of range. */
export const TrackerOptionError = defineError('TrackerOptionError', {
  code: 'INVALID_OPTION',
  scope: 'monkeytracker',
  status: 500,
  summary: 'an option of createTracker, the pipeline or replay is missing or out of range',
});

/**
 * A flush gave up with deltas still unmerged. Nothing is lost while the process lives (the
 * deltas stay queued) or when a journal is on (recovery merges them after a restart).
 */
export const FlushIncompleteError = defineError('FlushIncompleteError', {
  code: 'FLUSH_INCOMPLETE',
  scope: 'monkeytracker',
  status: 503,
  summary:
    'live deltas could not all be merged into storage in time (storage down or slow); they stay queued',
}).withFields<{ /** Deltas still waiting for storage. */ pendingDeltas: number }>();

/** Every error code of this package, with its HTTP status and meaning. */
export const PIPELINE_ERRORS = errorTable(TrackerOptionError, FlushIncompleteError);
