import {
  bucketOf,
  DEFAULT_BREAKPOINTS,
  DEFAULT_CELL_SIZE,
  DEFAULT_SITE,
  EVENT_KINDS,
  type EventKind,
  type GridIndex,
  type IndexKey,
  keyToString,
} from '@monkeytracker/grid';
import type { StorageAdapter } from '@monkeytracker/storage';
import { QueryError } from './errors';
import { type DayInput, planQuery, type QueryPlan } from './plan-query';
import { assertOptionalInteger, type Heatmap, reduceHeatmap } from './reduce-heatmap';

/** A heatmap query: one page, one kind, one viewport bucket, a range of calendar days. */
export interface HeatmapQuery {
  /** Default `'default'`. */
  site?: string;
  /** The page url, already normalized the way ingest normalizes it. */
  url: string;
  kind: EventKind;
  /** Viewport-width bucket; or give `vw` and it is mapped through the breakpoints. */
  bucket?: number;
  /** A viewport width in px, mapped to its bucket (ignored when `bucket` is given). */
  vw?: number;
  from: DayInput;
  to: DayInput;
  /** Keep only the K hottest cells. */
  top?: number;
  /** Drop cells with fewer events. */
  minCount?: number;
}

/** The page a query is about: an index key without its period. */
export type PageKey = Omit<IndexKey, 'period'>;

/**
 * Live deltas not yet confirmed by storage, for `page` and the days `from`..`to`
 * (`'YYYY-MM-DD'`, inclusive). The facade's live cache implements this.
 */
export type LiveDeltas = (page: PageKey, range: { from: string; to: string }) => readonly GridIndex[];

/** Options of {@link queryHeatmap}. */
export interface QueryHeatmapOptions {
  live?: LiveDeltas;
  /** Default `'UTC'`. */
  timeZone?: string;
  /** Default `Date.now()`. */
  now?: number;
  grid?: { cellSize?: number; breakpoints?: readonly number[] };
  /** Longest range in days. Default 400. */
  maxDays?: number;
}

/** The key of the page a query asks about; throws QueryError('INVALID_QUERY') naming the bad field. */
export function pageKeyOf(
  query: HeatmapQuery,
  breakpoints: readonly number[] = DEFAULT_BREAKPOINTS,
): PageKey {
  if (typeof query.url !== 'string' || query.url.length === 0) {
    throw new QueryError('INVALID_QUERY', 'url', 'url is required (the page whose heatmap to draw)');
  }
  if (!EVENT_KINDS.includes(query.kind)) {
    throw new QueryError(
      'INVALID_QUERY',
      'kind',
      `kind must be one of ${EVENT_KINDS.join(', ')}, got ${JSON.stringify(query.kind)}`,
    );
  }
  const site = query.site ?? DEFAULT_SITE;
  if (typeof site !== 'string' || site.length === 0) {
    throw new QueryError('INVALID_QUERY', 'site', 'site must be a non-empty string');
  }
  let bucket: number;
  if (query.bucket !== undefined) {
    assertOptionalInteger(query.bucket, 'bucket', 0);
    if (query.bucket >= breakpoints.length) {
      throw new QueryError(
        'INVALID_QUERY',
        'bucket',
        `bucket must be below ${breakpoints.length}, got ${query.bucket}`,
      );
    }
    bucket = query.bucket;
  } else if (query.vw !== undefined) {
    if (typeof query.vw !== 'number' || !(query.vw >= 0) || !Number.isFinite(query.vw)) {
      throw new QueryError(
        'INVALID_QUERY',
        'vw',
        `vw must be a viewport width in px, got ${String(query.vw)}`,
      );
    }
    bucket = bucketOf(query.vw, breakpoints);
  } else {
    throw new QueryError('INVALID_QUERY', 'vw', 'give vw (a viewport width) or bucket');
  }
  return { site, url: query.url, kind: query.kind, bucket };
}

/** The storage keys a plan reads for one page: months first, then days. */
export function keysOfPlan(page: PageKey, plan: QueryPlan): IndexKey[] {
  return [...plan.months, ...plan.days].map((period) => ({ ...page, period }));
}

/**
 * Answers a heatmap query: plans the range into month and day keys, reads them with one
 * `storage.get`, adds the live deltas of the range, and reduces to hot cells.
 *
 * @example
 * ```ts
 * const heatmap = await queryHeatmap(storage, { url: '/pricing', kind: 'click', vw: 1280, from: '2024-03-01', to: '2024-05-31', top: 5000 }, { timeZone: 'Europe/Prague' });
 * ```
 */
export async function queryHeatmap(
  storage: StorageAdapter,
  query: HeatmapQuery,
  options: QueryHeatmapOptions = {},
): Promise<Heatmap> {
  const page = pageKeyOf(query, options.grid?.breakpoints);
  assertOptionalInteger(query.top, 'top', 0);
  assertOptionalInteger(query.minCount, 'minCount', 0);
  const plan = planQuery({
    from: query.from,
    to: query.to,
    timeZone: options.timeZone ?? 'UTC',
    now: options.now ?? Date.now(),
    maxDays: options.maxDays,
  });
  const keys = keysOfPlan(page, plan);
  const found = await storage.get(keys);
  const stored: GridIndex[] = [];
  for (const key of keys) {
    const index = found.get(keyToString(key));
    if (index) stored.push(index);
  }
  const live = options.live ? options.live(page, { from: plan.from, to: plan.to }) : [];
  return reduceHeatmap({
    stored,
    live,
    cellSize: options.grid?.cellSize ?? DEFAULT_CELL_SIZE,
    top: query.top,
    minCount: query.minCount,
    reach: page.kind === 'scroll',
  });
}
