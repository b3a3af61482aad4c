/** The errors of the `monkeytracker` facade; the pipeline's (`INVALID_OPTION`, `FLUSH_INCOMPLETE`) are re-exported beside them. */
import { defineError, errorTable } from '@monkeytracker/grid';

/** `track`, `query` or `flush` was called after `close()`. */
export const TrackerClosedError = defineError('TrackerClosedError', {
  code: 'TRACKER_CLOSED',
  scope: 'monkeytracker',
  status: 503,
  summary: 'the tracker is closed (shutting down); create a new tracker',
});

/** Every error code of this package, with its HTTP status and meaning. */
export const TRACKER_ERRORS = errorTable(TrackerClosedError);
