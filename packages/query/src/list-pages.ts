import {
  DEFAULT_SITE,
  EVENT_KINDS,
  type EventKind,
  type IndexKey,
  keyToString,
  type Period,
  parseDay,
} from '@monkeytracker/grid';
import type { ListFilter, StorageAdapter } from '@monkeytracker/storage';
import { InvalidQueryError } from './errors';
import { type DayInput, planQuery } from './plan-query';
import { keysOfPlan, type LivePart, type LiveSource } from './query-heatmap';
import { assertOptionalInteger } from './reduce-heatmap';

/** A page list query: the pages of one site with the most events of one kind in a range of days. */
export interface PagesQuery {
  /** Default `'default'`. */
  site?: string;
  kind: EventKind;
  from: DayInput;
  to: DayInput;
  /** How many pages, the busiest first. Default 100, at most {@link MAX_PAGES}. */
  top?: number;
}

/** One page of a {@link PageList}: its events in the range, in total and per viewport bucket. */
export interface PageTotals {
  url: string;
  total: number;
  /** Events per viewport-width bucket (only buckets with events). */
  buckets: Record<number, number>;
}

/** The busiest pages of a site in a range. */
export interface PageList {
  site: string;
  kind: EventKind;
  from: string;
  to: string;
  /** Events of every page of the site in the range (not only the listed ones). */
  total: number;
  pages: PageTotals[];
}

/**
 * Day periods split where they skip (before and after the months a plan reads whole), so each
 * run is one `list` range holding only wanted days. Months are always one run: a plan's months
 * are consecutive.
 */
function runsOfDays(days: readonly Period[]): Period[][] {
  const runs: Period[][] = [];
  let previous = Number.NaN;
  for (const period of days) {
    const day = parseDay(period.slice(2))!;
    if (day !== previous + 1) runs.push([]);
    runs[runs.length - 1]!.push(period);
    previous = day;
  }
  return runs;
}

/** Longest page list one call returns. */
export const MAX_PAGES = 1000;

/** Options of {@link listPages}: the same as a heatmap query's. */
export interface ListPagesOptions {
  /** A tracker's live deltas, added where storage does not hold them yet. */
  live?: LiveSource;
  timeZone?: string;
  now?: number;
  maxDays?: number;
}

/**
 * The pages of a site with the most events of one kind in a range of days, with counts per
 * viewport bucket: from stored totals (`storage.list`, no index decoded) over the range's plan
 * (months and days, as a heatmap query reads them), plus the live deltas storage does not hold
 * yet — each counted when its position is above the writer's mark listed with the total, so
 * nothing counts twice. The live side is read before storage, as in {@link queryHeatmap}.
 *
 * @example
 * ```ts
 * const { pages } = await listPages(storage, { site: 'shop', kind: 'click', from: '2024-06-01', to: '2024-06-30', top: 20 });
 * // [{ url: '/pricing', total: 5230, buckets: { 1: 1200, 4: 4030 } }, …]
 * ```
 */
export async function listPages(
  storage: StorageAdapter,
  query: PagesQuery,
  options: ListPagesOptions = {},
): Promise<PageList> {
  const site = query.site ?? DEFAULT_SITE;
  if (typeof site !== 'string' || site.length === 0) {
    throw new InvalidQueryError('site must be a non-empty string', { field: 'site' });
  }
  if (!EVENT_KINDS.includes(query.kind)) {
    throw new InvalidQueryError(
      `kind must be one of ${EVENT_KINDS.join(', ')}, got ${JSON.stringify(query.kind)}`,
      { field: 'kind' },
    );
  }
  assertOptionalInteger(query.top, 'top', 1);
  const top = query.top ?? 100;
  if (top > MAX_PAGES) {
    throw new InvalidQueryError(`top must be at most ${MAX_PAGES}, got ${top}`, { field: 'top' });
  }
  const plan = planQuery({
    from: query.from,
    to: query.to,
    timeZone: options.timeZone ?? 'UTC',
    now: options.now ?? Date.now(),
    maxDays: options.maxDays,
    // Totals are read by period range: runs of days and months, never blocks.
    blocks: false,
  });

  // The live side first: a merge that lands while storage is read is then counted once.
  const live = options.live;
  const liveParts: { keys: IndexKey[]; parts: readonly (readonly LivePart[])[] }[] = [];
  if (live?.livePages) {
    for (const { url, bucket } of live.livePages(site, query.kind)) {
      const page = { site, url, kind: query.kind, bucket };
      const keys = keysOfPlan(page, plan);
      liveParts.push({ keys, parts: live.snapshot(page, keys) });
    }
  }

  const byUrl = new Map<string, PageTotals>();
  const add = (url: string, bucket: number, n: number) => {
    if (n === 0) return;
    let page = byUrl.get(url);
    if (page === undefined) byUrl.set(url, (page = { url, total: 0, buckets: {} }));
    page.total += n;
    page.buckets[bucket] = (page.buckets[bucket] ?? 0) + n;
  };
  const marks = new Map<string, number>();
  for (const periods of [plan.months, ...runsOfDays(plan.days)]) {
    if (periods.length === 0) continue;
    const filter: ListFilter = {
      site,
      kind: query.kind,
      periodFrom: periods[0]!,
      periodTo: periods[periods.length - 1]!,
    };
    for await (const { key, total, marks: keyMarks } of storage.list(filter)) {
      add(key.url, key.bucket, total);
      if (live) {
        const mark = keyMarks[live.writer];
        if (mark !== undefined) marks.set(keyToString(key), mark);
      }
    }
  }
  for (const { keys, parts } of liveParts) {
    for (let i = 0; i < keys.length; i++) {
      const keyParts = parts[i];
      if (!keyParts || keyParts.length === 0) continue;
      const mark = marks.get(keyToString(keys[i]!)) ?? -1;
      let n = 0;
      for (const part of keyParts) if (part.position > mark) n += part.delta.total;
      add(keys[i]!.url, keys[i]!.bucket, n);
    }
  }

  let total = 0;
  for (const page of byUrl.values()) total += page.total;
  const pages = [...byUrl.values()]
    .sort((a, b) => b.total - a.total || (a.url < b.url ? -1 : a.url > b.url ? 1 : 0))
    .slice(0, top);
  return { site, kind: query.kind, from: plan.from, to: plan.to, total, pages };
}
