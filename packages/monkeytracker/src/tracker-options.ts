import type { JournalOptions } from '@monkeytracker/journal';
import type { AggregationOptions, CacheOptions, JournalFailurePolicy } from '@monkeytracker/pipeline';
import type { StorageAdapter } from '@monkeytracker/storage';

/** Options of `createTracker`. */
export interface TrackerOptions extends AggregationOptions {
  /** Where indexes are merged. Default `new MemoryStorage()`. */
  storage?: StorageAdapter;
  /**
   * The journal (`openJournal` options), or `false` for none. Default `false`. With a journal a
   * crash loses at most the last `fsyncMs` of events, on every storage: at start the tracker
   * re-reads the part of its journal storage has not confirmed (all of it on `MemoryStorage`).
   */
  journal?: TrackerJournalOptions | false;
  cache?: CacheOptions;
  /** Longest query range in days. Default 400. */
  maxQueryDays?: number;
  /** Longest a query waits for storage before `STORAGE_UNAVAILABLE` (HTTP 503). Default 5,000 ms. */
  queryTimeoutMs?: number;
  /**
   * Check at start that storage answers (`storage.ready()`, e.g. MongoDB connects and creates its
   * indexes) within `queryTimeoutMs`; `createTracker` rejects with `STORAGE_UNAVAILABLE` if not.
   * Default `false`: a storage that is down at start delays nothing, merges retry in the background.
   */
  checkStorage?: boolean;
  /** The clock, injectable for tests. Default `Date.now`. */
  now?: () => number;
  /** Called with background errors (failed merges, journal disk errors) so the host can alert. */
  onError?: (error: Error) => void;
  /**
   * A logger with pino's shape (`logger.warn(obj, msg)`; pino, Fastify's `app.log`, or anything
   * alike): background errors at `error` or `warn` with their `code`, recovery at `info`.
   */
  logger?: TrackerLogger;
}

/** The journal of a tracker: `openJournal` options and what to do when it cannot write. */
export interface TrackerJournalOptions extends JournalOptions {
  /**
   * While the journal cannot write or fsync (a full or failing disk): `'refuse'` (default) refuses
   * new events with reason `'journal'` (HTTP 503 + `Retry-After`), so no acknowledged event waits
   * unwritten longer than `fsyncMs` before the failure shows; `'continue'` keeps counting events
   * live (health `degraded`), merged once the journal writes again — a crash before then loses
   * them, and those the journal could not buffer are never in it (`stats().unjournaled`).
   */
  onFailure?: JournalFailurePolicy;
}

/** The part of a pino logger the tracker uses: `(obj, msg)` at three levels. */
export interface TrackerLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}
