import { INDEX_KINDS, type IndexKey, type IndexKind, isPeriod, type Period } from '@monkeytracker/grid';
import { StorageFilterError } from './errors';
import type { DeleteFilter, ListFilter } from './storage-adapter';

/**
 * A validated {@link ListFilter} in the form adapters translate into queries: bounds are
 * Periods and the granularity they imply is explicit (the period prefix: `'d'`, `'b3'`, `'b9'`, `'m'`).
 */
export interface NormalizedFilter {
  site?: string;
  url?: string;
  kind?: IndexKind;
  bucket?: number;
  /** The prefix (before `:`) every matching period has. */
  granularity?: PeriodPrefix;
  /** Inclusive lower bound; implies `granularity`. */
  periodFrom?: Period;
  /** Inclusive upper bound; implies `granularity`. */
  periodTo?: Period;
}

/** The prefix of a period before its `:`: what kind of period it is. */
export type PeriodPrefix = 'd' | 'b3' | 'b9' | 'm';

/** `granularity` of a {@link ListFilter} → the period prefix. */
const GRANULARITIES = { day: 'd', block3: 'b3', block9: 'b9', month: 'm' } as const;

/** The prefix of a period (`'d'` of `'d:2024-03-01'`). */
export function periodPrefix(period: string): PeriodPrefix {
  return period.slice(0, period.indexOf(':')) as PeriodPrefix;
}

const FILTER_FIELDS = new Set(['site', 'url', 'kind', 'bucket', 'periodFrom', 'periodTo', 'granularity']);

function bad(message: string): never {
  throw new StorageFilterError(`${message}; see ListFilter in the @monkeytracker/storage README`);
}

function bound(name: string, value: unknown): Period {
  if (!isPeriod(value)) {
    bad(
      `${name} must be a period like "d:2024-03-01", "m:2024-03" or an aligned block "b3:2024-02-29", got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * Validates a list filter and makes its implied granularity explicit. Throws
 * {@link StorageFilterError} on unknown fields, wrong types, or bounds of mixed granularity.
 */
export function normalizeListFilter(filter: ListFilter = {}): NormalizedFilter {
  if (typeof filter !== 'object' || filter === null) bad('filter must be an object');
  for (const field of Object.keys(filter)) {
    if (!FILTER_FIELDS.has(field)) bad(`unknown filter field ${JSON.stringify(field)}`);
  }
  const out: NormalizedFilter = {};
  const { site, url, kind, bucket, periodFrom, periodTo, granularity } = filter;
  if (site !== undefined) {
    if (typeof site !== 'string' || site === '') bad('filter site must be a non-empty string');
    out.site = site;
  }
  if (url !== undefined) {
    if (typeof url !== 'string' || url === '') bad('filter url must be a non-empty string');
    out.url = url;
  }
  if (kind !== undefined) {
    if (!INDEX_KINDS.includes(kind)) bad(`filter kind must be one of ${INDEX_KINDS.join(', ')}`);
    out.kind = kind;
  }
  if (bucket !== undefined) {
    if (!Number.isInteger(bucket) || bucket < 0 || bucket > 255)
      bad('filter bucket must be an integer 0–255');
    out.bucket = bucket;
  }
  const grains = new Set<PeriodPrefix>();
  if (granularity !== undefined) {
    if (!Object.hasOwn(GRANULARITIES, granularity))
      bad('filter granularity must be "day", "block3", "block9" or "month"');
    grains.add(GRANULARITIES[granularity]);
  }
  if (periodFrom !== undefined) {
    out.periodFrom = bound('periodFrom', periodFrom);
    grains.add(periodPrefix(out.periodFrom));
  }
  if (periodTo !== undefined) {
    out.periodTo = bound('periodTo', periodTo);
    grains.add(periodPrefix(out.periodTo));
  }
  if (grains.size > 1)
    bad('periodFrom, periodTo and granularity must all be of one granularity (day, block3, block9 or month)');
  if (grains.size === 1) out.granularity = [...grains][0]!;
  return out;
}

/**
 * Validates the filter of `delete`: a non-empty list filter, or exactly `{ all: true }`
 * (returned as an empty normalized filter, which matches everything).
 */
export function normalizeDeleteFilter(filter: DeleteFilter): NormalizedFilter {
  if (typeof filter !== 'object' || filter === null) bad('delete needs a filter object');
  if ('all' in filter) {
    if (filter.all !== true || Object.keys(filter).length !== 1) {
      bad('delete({ all: true }) must be exactly that; combine no other field with "all"');
    }
    return {};
  }
  const normalized = normalizeListFilter(filter);
  if (Object.keys(normalized).length === 0) {
    bad('delete needs a non-empty filter, or { all: true } to remove every key');
  }
  return normalized;
}

/** True when `key` matches a normalized filter: the reference semantics every adapter must reproduce. */
export function keyMatchesFilter(key: IndexKey, filter: NormalizedFilter): boolean {
  if (filter.site !== undefined && key.site !== filter.site) return false;
  if (filter.url !== undefined && key.url !== filter.url) return false;
  if (filter.kind !== undefined && key.kind !== filter.kind) return false;
  if (filter.bucket !== undefined && key.bucket !== filter.bucket) return false;
  if (filter.granularity !== undefined && periodPrefix(key.period) !== filter.granularity) return false;
  if (filter.periodFrom !== undefined && key.period < filter.periodFrom) return false;
  if (filter.periodTo !== undefined && key.period > filter.periodTo) return false;
  return true;
}
