import {
  assertBreakpoints,
  assertCellSize,
  createSiteResolver,
  DEFAULT_BREAKPOINTS,
  DEFAULT_CELL_SIZE,
  type SiteOptions,
  type UrlOptions,
  type ValidateOptions,
  zoneCalendar,
} from '@monkeytracker/grid';
import { TrackerOptionError } from './errors';

/** How the live cache turns builders into merges. */
export interface CacheOptions {
  /** Live (page, kind, bucket, day) entries kept before the least recently used are dropped after their merge. Default 10,000. */
  maxEntries?: number;
  /** An entry without events for this long is dropped once merged. Default 60,000 ms. */
  idleMs?: number;
  /** Every entry with new events is merged at least this often: the staleness bound for other processes. Default 5,000 ms. */
  flushIntervalMs?: number;
  /**
   * Bytes of live counts and unmerged deltas allowed before new events are refused with reason
   * `'overloaded'` (storage down or too slow). Default 256 MiB.
   */
  maxPendingBytes?: number;
  /** Keys per `storage.merge` call (a day and a month key per delta). Default 1,000. */
  maxKeysPerMerge?: number;
  /** How long `flush()` and `close()` retry failed merges before giving up. Default 30,000 ms. */
  flushTimeoutMs?: number;
  /**
   * Longest one `storage.merge` call may take before it counts as failed and is retried (safe:
   * merges are exactly once). A storage that hangs then costs a retry, not a stuck tracker.
   * Default 60,000 ms.
   */
  mergeTimeoutMs?: number;
}

/** Grid geometry: cell size and viewport breakpoints. Changing either needs a replay into fresh storage. */
export interface GridOptions {
  /** Cell edge in px. Default 10. */
  cellSize?: number;
  /** Viewport-width breakpoints. Default `[0, 576, 768, 992, 1200, 1400]`. */
  breakpoints?: readonly number[];
}

/** What the pipeline aggregates and how: the options a replay must repeat to rebuild the same indexes. */
export interface AggregationOptions {
  /** IANA zone for day and month boundaries. Default `'UTC'`. */
  timeZone?: string;
  grid?: GridOptions;
  /**
   * The sites to collect for, each with its hosts: an event's site is decided by its url's host,
   * and events for hosts no site lists are refused (`'host'`). Default none: every event is filed
   * under its given `site` or `'default'` (the HTTP layer never takes a client's `site`).
   */
  sites?: readonly SiteOptions[];
  /** Url normalization applied on ingest and query (`keepQuery`, `templates`). Pages are keyed by path. */
  urls?: UrlOptions;
  /** Event validation limits (coordinates, viewport, url length, `maxFutureMs`). */
  validation?: Omit<ValidateOptions, 'now'>;
  /**
   * Distinct pages a site may count per local day; events of further pages are refused
   * (`'cardinality'`), which bounds the keys, memory and storage unique urls can create.
   * Default 10,000.
   */
  maxPagesPerSiteDay?: number;
  /**
   * Distinct elements (selectors) a page may count in its element indexes per local day; a
   * click on a further element still counts in the page grid (`stats().elementsOverBudget`
   * counts them). Bounds the labels unique selectors from the public can add. Default 1,000.
   */
  maxElementsPerPageDay?: number;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  timeZone: string;
  cellSize: number;
  breakpoints: readonly number[];
  sites: readonly SiteOptions[] | undefined;
  urls: UrlOptions;
  maxPagesPerSiteDay: number;
  maxElementsPerPageDay: number;
  validation: Omit<ValidateOptions, 'now'>;
  maxEntries: number;
  idleMs: number;
  flushIntervalMs: number;
  maxPendingBytes: number;
  maxKeysPerMerge: number;
  flushTimeoutMs: number;
  mergeTimeoutMs: number;
  maxQueryDays: number;
  queryTimeoutMs: number;
}

/** A positive integer option, or its default; anything else is a {@link TrackerOptionError}. */
export function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TrackerOptionError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Fills defaults and checks every option, so mistakes fail at start-up with a clear message. */
export function resolveOptions(
  options: AggregationOptions & { cache?: CacheOptions; maxQueryDays?: number; queryTimeoutMs?: number } = {},
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
  try {
    createSiteResolver(options.sites);
  } catch (err) {
    throw new TrackerOptionError(`sites: ${(err as Error).message}`, { cause: err });
  }
  const cache = options.cache ?? {};
  return {
    timeZone,
    cellSize,
    breakpoints,
    sites: options.sites,
    urls: options.urls ?? {},
    maxPagesPerSiteDay: positiveInteger(options.maxPagesPerSiteDay, 'maxPagesPerSiteDay', 10_000),
    maxElementsPerPageDay: positiveInteger(options.maxElementsPerPageDay, 'maxElementsPerPageDay', 1_000),
    validation: options.validation ?? {},
    maxEntries: positiveInteger(cache.maxEntries, 'cache.maxEntries', 10_000),
    idleMs: positiveInteger(cache.idleMs, 'cache.idleMs', 60_000),
    flushIntervalMs: positiveInteger(cache.flushIntervalMs, 'cache.flushIntervalMs', 5_000),
    maxPendingBytes: positiveInteger(cache.maxPendingBytes, 'cache.maxPendingBytes', 256 * 2 ** 20),
    maxKeysPerMerge: Math.max(2, positiveInteger(cache.maxKeysPerMerge, 'cache.maxKeysPerMerge', 1_000)),
    flushTimeoutMs: positiveInteger(cache.flushTimeoutMs, 'cache.flushTimeoutMs', 30_000),
    mergeTimeoutMs: positiveInteger(cache.mergeTimeoutMs, 'cache.mergeTimeoutMs', 60_000),
    maxQueryDays: positiveInteger(options.maxQueryDays, 'maxQueryDays', 400),
    queryTimeoutMs: positiveInteger(options.queryTimeoutMs, 'queryTimeoutMs', 5_000),
  };
}
