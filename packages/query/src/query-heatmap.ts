import {
  bucketOf,
  DEFAULT_BREAKPOINTS,
  DEFAULT_CELL_SIZE,
  DEFAULT_SITE,
  ELEMENT_EVENT_KINDS,
  type ElementEventKind,
  EVENT_KINDS,
  type EventKind,
  elementIndexKind,
  type GridIndex,
  type IndexKey,
  isElementIndexKind,
  keyToString,
} from '@monkeytracker/grid';
import type { StorageAdapter } from '@monkeytracker/storage';
import { InvalidQueryError } from './errors';
import { type DayInput, planQuery, type QueryPlan } from './plan-query';
import { type ElementHeatmap, reduceElements } from './reduce-elements';
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
  /** Drop cells (element mode: elements) with fewer events. */
  minCount?: number;
  /** `'page'` (the default): cells of page coordinates. See {@link ElementHeatmapQuery} for `'element'`. */
  mode?: 'page';
}

/**
 * The same query in element mode: the elements clicked, each with a grid of positions inside
 * it, for the kinds that carry elements (`click`, `rage`, `dead`); see {@link ElementHeatmap}.
 */
export interface ElementHeatmapQuery extends Omit<HeatmapQuery, 'mode' | 'kind'> {
  mode: 'element';
  kind: ElementEventKind;
}

/** A query in either mode. */
export type AnyHeatmapQuery = HeatmapQuery | ElementHeatmapQuery;

/** The two coordinate models of one click: page cells, or the element hit and the offset inside it. */
export type HeatmapMode = 'page' | 'element';

/** The answer to a query `Q`: an {@link ElementHeatmap} for `mode: 'element'`, else a {@link Heatmap}. */
export type HeatmapOf<Q extends AnyHeatmapQuery> = Q extends { mode: 'element' } ? ElementHeatmap : Heatmap;

/** The page a query is about: an index key without its period. */
export type PageKey = Omit<IndexKey, 'period'>;

/** A live delta not yet known to be in storage, and the journal position it ends at. */
export interface LivePart {
  delta: GridIndex;
  /**
   * The position of the cut this delta ends at, in its writer's journal; a part still being
   * counted (not cut yet) carries a position just above the writer's last cut.
   */
  position: number;
}

/**
 * The live side of a read: the deltas a tracker counted that storage may not hold yet. The
 * pipeline implements it.
 *
 * Consistency without locks: a stored index carries, per writer, the position of the last delta
 * it applied (its mark), read atomically with the counts. A live part is counted exactly when its
 * position is above that mark, so a merge that lands between the snapshot and the storage read,
 * or is still in flight, is counted once — from storage or from the live side, never both.
 */
export interface LiveSource {
  /** The writer id whose marks in storage say which live parts storage already holds. */
  readonly writer: string;
  /** The live parts of each of `keys` (same order), taken synchronously, before storage is read. */
  snapshot(page: PageKey, keys: readonly IndexKey[]): readonly (readonly LivePart[])[];
  /**
   * The pages (url and viewport bucket) of `site` with live counts of `kind`, for page lists
   * (`listPages`). Optional: without it a page list shows stored totals only.
   */
  livePages?(site: string, kind: EventKind): readonly { url: string; bucket: number }[];
}

/** Options of {@link queryHeatmap}. */
export interface QueryHeatmapOptions {
  /** Live deltas to add (a tracker's pipeline). */
  live?: LiveSource;
  /** Default `'UTC'`. */
  timeZone?: string;
  /** Default `Date.now()`. */
  now?: number;
  grid?: { cellSize?: number; breakpoints?: readonly number[] };
  /** Longest range in days. Default 400. */
  maxDays?: number;
}

/** The key of the page a query asks about; throws InvalidQueryError naming the bad field. */
export function pageKeyOf(
  query: AnyHeatmapQuery,
  breakpoints: readonly number[] = DEFAULT_BREAKPOINTS,
): PageKey {
  if (typeof query.url !== 'string' || query.url.length === 0) {
    throw new InvalidQueryError('url is required (the page whose heatmap to draw)', { field: 'url' });
  }
  if (!EVENT_KINDS.includes(query.kind)) {
    throw new InvalidQueryError(
      `kind must be one of ${EVENT_KINDS.join(', ')}, got ${JSON.stringify(query.kind)}`,
      { field: 'kind' },
    );
  }
  const site = query.site ?? DEFAULT_SITE;
  if (typeof site !== 'string' || site.length === 0) {
    throw new InvalidQueryError('site must be a non-empty string', { field: 'site' });
  }
  let bucket: number;
  if (query.bucket !== undefined) {
    assertOptionalInteger(query.bucket, 'bucket', 0);
    if (query.bucket >= breakpoints.length) {
      throw new InvalidQueryError(`bucket must be below ${breakpoints.length}, got ${query.bucket}`, {
        field: 'bucket',
      });
    }
    bucket = query.bucket;
  } else if (query.vw !== undefined) {
    if (typeof query.vw !== 'number' || !(query.vw >= 0) || !Number.isFinite(query.vw)) {
      throw new InvalidQueryError(`vw must be a viewport width in px, got ${String(query.vw)}`, {
        field: 'vw',
      });
    }
    bucket = bucketOf(query.vw, breakpoints);
  } else {
    throw new InvalidQueryError('give vw (a viewport width) or bucket', { field: 'vw' });
  }
  const mode: string = query.mode ?? 'page';
  if (mode !== 'page' && mode !== 'element') {
    throw new InvalidQueryError(`mode must be 'page' or 'element', got ${JSON.stringify(mode)}`, {
      field: 'mode',
    });
  }
  if (mode === 'page') return { site, url: query.url, kind: query.kind, bucket };
  if (!ELEMENT_EVENT_KINDS.includes(query.kind as ElementEventKind)) {
    throw new InvalidQueryError(
      `mode 'element' needs a kind with elements (${ELEMENT_EVENT_KINDS.join(', ')}), got ${JSON.stringify(query.kind)}`,
      { field: 'kind' },
    );
  }
  return { site, url: query.url, kind: elementIndexKind(query.kind as ElementEventKind), bucket };
}

/** The storage keys a plan reads for one page: months first, then days. */
export function keysOfPlan(page: PageKey, plan: QueryPlan): IndexKey[] {
  return [...plan.months, ...plan.blocks, ...plan.days].map((period) => ({ ...page, period }));
}

/**
 * Answers a heatmap query: plans the range into month and day keys, takes the live parts of
 * those keys, reads the keys with one `storage.get`, keeps each live part that storage does not
 * hold yet (its position above the stored mark of its writer), and reduces to hot cells. This
 * is the whole read path of a tracker: `tracker.query()` calls it with its pipeline as `live`.
 *
 * @example
 * ```ts
 * const heatmap = await queryHeatmap(storage, { url: '/pricing', kind: 'click', vw: 1280, from: '2024-03-01', to: '2024-05-31', top: 5000 }, { timeZone: 'Europe/Prague' });
 * ```
 */
export async function queryHeatmap<Q extends AnyHeatmapQuery>(
  storage: StorageAdapter,
  query: Q,
  options: QueryHeatmapOptions = {},
): Promise<HeatmapOf<Q>> {
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
  const live = options.live;
  const parts = live ? live.snapshot(page, keys) : undefined;
  const found = await storage.get(keys);
  const stored: GridIndex[] = [];
  const unmerged: GridIndex[] = [];
  for (let i = 0; i < keys.length; i++) {
    const hit = found.get(keyToString(keys[i]!));
    if (hit) stored.push(hit.index);
    const keyParts = parts?.[i];
    if (!keyParts || keyParts.length === 0) continue;
    const mark = hit?.marks[live!.writer] ?? -1;
    for (const part of keyParts) if (part.position > mark) unmerged.push(part.delta);
  }
  if (isElementIndexKind(page.kind)) {
    return reduceElements({
      stored,
      live: unmerged,
      top: query.top,
      minCount: query.minCount,
    }) as HeatmapOf<Q>;
  }
  return reduceHeatmap({
    stored,
    live: unmerged,
    cellSize: options.grid?.cellSize ?? DEFAULT_CELL_SIZE,
    top: query.top,
    minCount: query.minCount,
    reach: page.kind === 'scroll',
  }) as HeatmapOf<Q>;
}
