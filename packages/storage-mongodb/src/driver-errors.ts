import {
  type MergeProgress,
  StorageBackendError,
  StorageCapacityError,
  StorageClosedError,
  type StorageError,
  StorageUnavailableError,
} from '@monkeytracker/storage';
import { MONGO_PREFIX } from './errors';

/**
 * What a failed driver call means for a write:
 * - `unsent`: the server never applied it (no server selected, connection not established,
 *   or the server answered with an error) — safe to retry;
 * - `unknown`: the request may have reached the server (connection broke or timed out while
 *   waiting for the answer, write concern not satisfied) — applied or not, nobody can tell.
 */
export type WriteOutcome = 'unsent' | 'unknown';

/** The failure family of a driver error. */
export type DriverFailure = 'unavailable' | 'closed' | 'too-large' | 'failed';

// Errors raised before a request is written to a socket.
const BEFORE_SEND = new Set([
  'MongoServerSelectionError',
  'MongoPoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoWaitQueueTimeoutError',
  'MongoNotConnectedError',
  'MongoPoolClosedError',
]);
// Errors raised after a request may have been sent, when the answer never came.
const IN_FLIGHT = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoOperationTimeoutError',
  'MongoServerClosedError',
  'MongoWriteConcernError',
]);
const CLOSED = new Set(['MongoTopologyClosedError', 'MongoClientClosedError']);
// Server codes of a node that is stepping down, shutting down or unreachable: a failover or
// restart, over in seconds. The server did not apply the write that got this answer.
const TRANSIENT_SERVER_CODES = new Set([6, 7, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);
// BSONObjectTooLarge and "resulting document after update is larger than 16 MB".
const TOO_LARGE_CODES = new Set([10334, 17419, 17420]);

function nameOf(err: unknown): string {
  return typeof err === 'object' && err !== null ? String((err as { name?: unknown }).name) : '';
}

function codeOf(err: unknown): number | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

function hasLabel(err: unknown, label: string): boolean {
  const fn =
    typeof err === 'object' && err !== null ? (err as { hasErrorLabel?: unknown }).hasErrorLabel : undefined;
  return typeof fn === 'function' && fn.call(err, label) === true;
}

/** Classifies a driver error into a failure family (by name and code, never `instanceof`). */
export function driverFailure(err: unknown): DriverFailure {
  const name = nameOf(err);
  if (CLOSED.has(name)) return 'closed';
  if (BEFORE_SEND.has(name) || IN_FLIGHT.has(name)) return 'unavailable';
  if (hasLabel(err, 'RetryableWriteError') || hasLabel(err, 'ResetPool')) return 'unavailable';
  const code = codeOf(err);
  if (code !== undefined && TRANSIENT_SERVER_CODES.has(code)) return 'unavailable';
  if (code !== undefined && TOO_LARGE_CODES.has(code)) return 'too-large';
  if (
    name === 'MongoInvalidArgumentError' &&
    /larger than the maximum|too large/i.test(String((err as Error).message))
  ) {
    return 'too-large';
  }
  return 'failed';
}

/** Whether a failed write may have been applied (see {@link WriteOutcome}). */
export function writeOutcome(err: unknown): WriteOutcome {
  const name = nameOf(err);
  if (BEFORE_SEND.has(name) || CLOSED.has(name)) return 'unsent';
  // An answer from the server (a code, no write concern error) means it did not apply the write.
  if (name === 'MongoServerError' && codeOf(err) !== undefined) return 'unsent';
  if (name === 'MongoInvalidArgumentError') return 'unsent';
  return 'unknown';
}

/** A short, single-line description of a driver error for messages. */
export function describeDriverError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `${nameOf(err) || 'Error'}: ${message.split('\n')[0]!.slice(0, 300)}`;
}

/**
 * Wraps a driver error of `operation` into the shared storage family the facade switches on.
 * `closedByUs` turns "client closed" into `STORAGE_CLOSED` with the usual message.
 */
export function toStorageError(
  err: unknown,
  operation: string,
  options: { progress?: MergeProgress; closedByUs?: boolean } = {},
): StorageError {
  const { progress } = options;
  const what = describeDriverError(err);
  const opts = { cause: err, progress };
  switch (options.closedByUs ? 'closed' : driverFailure(err)) {
    case 'closed':
      return new StorageClosedError(
        options.closedByUs
          ? `MongoStorage.${operation}() called after close(); create a new MongoStorage`
          : `${operation} failed: the MongoClient was closed by its owner (${what}); reopen it or create a new MongoStorage`,
        opts,
        MONGO_PREFIX,
      );
    case 'unavailable':
      return new StorageUnavailableError(
        `${operation} failed: MongoDB is unavailable (${what})${progressText(progress)}; retry later`,
        opts,
        MONGO_PREFIX,
      );
    case 'too-large':
      return new StorageCapacityError(
        `${operation} failed: an index document would pass MongoDB's 16 MB document limit (${what})${progressText(progress)}; use a larger cellSize or shorter periods for this page`,
        opts,
        MONGO_PREFIX,
      );
    default:
      return new StorageBackendError(
        `${operation} failed: MongoDB rejected it (${what})${progressText(progress)}; check the server log and the adapter options`,
        opts,
        MONGO_PREFIX,
      );
  }
}

/** " (2 key(s) applied, 3 pending: retry only error.pendingKeys, 1 unknown)" for merge errors. */
export function progressText(progress: MergeProgress | undefined): string {
  if (!progress) return '';
  const { appliedKeys: a, pendingKeys: p, unknownKeys: u } = progress;
  return ` (of this merge: ${a.length} key(s) applied, ${p.length} pending — retry only error.pendingKeys, ${u.length} unknown)`;
}
