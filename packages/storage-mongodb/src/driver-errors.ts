import {
  StorageBackendError,
  StorageCapacityError,
  StorageClosedError,
  StorageUnavailableError,
} from '@monkeytracker/storage';

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

/** A short, single-line description of a driver error for messages. */
export function describeDriverError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `${nameOf(err) || 'Error'}: ${message.split('\n')[0]!.slice(0, 300)}`;
}

/**
 * Wraps a driver error of `operation` into the shared storage family the pipeline switches on.
 * `closedByUs` turns "client closed" into `STORAGE_CLOSED` with the usual message.
 */
export function toStorageError(
  err: unknown,
  operation: string,
  options: { closedByUs?: boolean } = {},
): Error {
  const what = describeDriverError(err);
  const opts = { cause: err };
  switch (options.closedByUs ? 'closed' : driverFailure(err)) {
    case 'closed':
      return new StorageClosedError(
        options.closedByUs
          ? `MongoStorage.${operation}() called after close(); create a new MongoStorage`
          : `MongoStorage.${operation} failed: the MongoClient was closed by its owner (${what}); reopen it or create a new MongoStorage`,
        opts,
      );
    case 'unavailable':
      return new StorageUnavailableError(
        `MongoStorage.${operation} failed: MongoDB is unavailable (${what}); it is retried`,
        opts,
      );
    case 'too-large':
      return new StorageCapacityError(
        `MongoStorage.${operation} failed: an index document would pass MongoDB's 16 MB document limit (${what}); use a larger cellSize or shorter periods for this page`,
        opts,
      );
    default:
      return new StorageBackendError(
        `MongoStorage.${operation} failed: MongoDB rejected it (${what}); check the server log and the adapter options`,
        opts,
      );
  }
}
