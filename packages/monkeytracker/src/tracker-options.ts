import {
  assertBreakpoints,
  assertCellSize,
  DEFAULT_BREAKPOINTS,
  DEFAULT_CELL_SIZE,
  type UrlOptions,
  type ValidateOptions,
  zoneCalendar,
} from '@monkeytracker/grid';
import type { JournalOptions } from '@monkeytracker/journal';
import type { StorageAdapter } from '@monkeytracker/storage';
import { TrackerOptionError } from './errors';

/** How the live cache turns builders into merges. */
export interface CacheOptions {
  /** Live (page, kind, bucket, day) entries kept before the least recently used are evicted. Default 10,000. */
  maxEntries?: number;
  /** An entry without events for this long is merged and dropped. Default 60,000 ms. */
  idleMs?: number;
  /** Every entry with new events is merged at least this often: the staleness bound for other processes. Default 5,000 ms. */
  flushIntervalMs?: number;
  /**
   * Bytes of live counts and unmerged deltas allowed before `track` rejects new events with
   * reason `'overloaded'` (storage down or too slow). Default 256 MiB.
   */
  maxPendingBytes?: number;
  /** Keys per `storage.merge` call (a day and a month key per delta). Default 1,000. */
  maxKeysPerMerge?: number;
  /** How long `flush()` and `close()` retry failed merges before `FlushIncompleteError`. Default 30,000 ms. */
  flushTimeoutMs?: number;
}

/** Grid geometry: cell size and viewport breakpoints. Changing either needs a replay into fresh storage. */
export interface GridOptions {
  /** Cell edge in px. Default 10. */
  cellSize?: number;
  /** Viewport-width breakpoints. Default `[0, 576, 768, 992, 1200, 1400]`. */
  breakpoints?: readonly number[];
}

/** Options of `createTracker`. */
export interface TrackerOptions {
  /** Where indexes are merged. Default `new MemoryStorage()`. */
  storage?: StorageAdapter;
  /** The journal (`openJournal` options), or `false` for none. Default `false`. */
  journal?: JournalOptions | false;
  /** IANA zone for day and month boundaries. Default `'UTC'`. */
  timeZone?: string;
  grid?: GridOptions;
  /** Url normalization applied on ingest and query (`keepQuery`, `templates`). */
  urls?: UrlOptions;
  cache?: CacheOptions;
  /** Replay the journal into storage on start. Default: true when storage is MemoryStorage and a journal is set. */
  replayOnStart?: boolean;
  /** Event validation limits (coordinates, viewport, url length). */
  validation?: Omit<ValidateOptions, 'now'>;
  /** Longest query range in days. Default 400. */
  maxQueryDays?: number;
  /** The clock, injectable for tests. Default `Date.now`. */
  now?: () => number;
  /** Called with background errors (failed merges, journal disk errors) so the host can alert. */
  onError?: (error: Error) => void;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  timeZone: string;
  cellSize: number;
  breakpoints: readonly number[];
  urls: UrlOptions;
  maxEntries: number;
  idleMs: number;
  flushIntervalMs: number;
  maxPendingBytes: number;
  maxKeysPerMerge: number;
  flushTimeoutMs: number;
  validation: Omit<ValidateOptions, 'now'>;
  maxQueryDays: number;
  now: () => number;
  onError: (error: Error) => void;
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TrackerOptionError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Fills defaults and checks every option, so mistakes fail at start-up with a clear message. */
export function resolveOptions(
  options: Omit<TrackerOptions, 'storage' | 'journal' | 'replayOnStart'>,
): ResolvedOptions {
  const timeZone = options.timeZone ?? 'UTC';
  try {
    zoneCalendar(timeZone);
  } catch (err) {
    throw new TrackerOptionError(`timeZone: ${(err as Error).message}`, { cause: err });
  }
  const cellSize = options.grid?.cellSize ?? DEFAULT_CELL_SIZE;
  const breakpoints = options.grid?.breakpoints ?? DEFAULT_BREAKPOINTS;
  try {
    assertCellSize(cellSize);
    assertBreakpoints(breakpoints);
  } catch (err) {
    throw new TrackerOptionError(`grid: ${(err as Error).message}`, { cause: err });
  }
  const cache = options.cache ?? {};
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new TrackerOptionError('now must be a function returning epoch ms');
  }
  return {
    timeZone,
    cellSize,
    breakpoints,
    urls: options.urls ?? {},
    maxEntries: positiveInteger(cache.maxEntries, 'cache.maxEntries', 10_000),
    idleMs: positiveInteger(cache.idleMs, 'cache.idleMs', 60_000),
    flushIntervalMs: positiveInteger(cache.flushIntervalMs, 'cache.flushIntervalMs', 5_000),
    maxPendingBytes: positiveInteger(cache.maxPendingBytes, 'cache.maxPendingBytes', 256 * 2 ** 20),
    maxKeysPerMerge: Math.max(2, positiveInteger(cache.maxKeysPerMerge, 'cache.maxKeysPerMerge', 1_000)),
    flushTimeoutMs: positiveInteger(cache.flushTimeoutMs, 'cache.flushTimeoutMs', 30_000),
    validation: options.validation ?? {},
    maxQueryDays: positiveInteger(options.maxQueryDays, 'maxQueryDays', 400),
    now: options.now ?? Date.now,
    onError: options.onError ?? (() => {}),
  };
}
