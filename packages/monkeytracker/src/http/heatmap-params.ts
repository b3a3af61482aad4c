import type { ElementEventKind, EventKind } from '@monkeytracker/grid';
import {
  type AnyHeatmapQuery,
  type HeatmapQuery,
  InvalidQueryError,
  InvalidRangeError,
  type PagesQuery,
} from '@monkeytracker/query';

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const UINT_RE = /^\d{1,15}$/;
const FIELDS = [
  'url',
  'kind',
  'site',
  'vw',
  'bucket',
  'from',
  'to',
  'top',
  'minCount',
  'mode',
  'compareFrom',
  'compareTo',
] as const;

/** A heatmap request: the query, and the second range of a comparison when one is asked for. */
export interface HeatmapRequest {
  query: AnyHeatmapQuery;
  compare: { from: string; to: string } | undefined;
}

function bad(field: string, message: string): never {
  if (field === 'from' || field === 'to' || field === 'compareFrom' || field === 'compareTo')
    throw new InvalidRangeError(message, { field });
  throw new InvalidQueryError(message, { field });
}

function once(params: URLSearchParams, fields: readonly string[]): void {
  for (const field of fields) {
    if (params.getAll(field).length > 1) bad(field, `${field} is given more than once`);
  }
}

function day(params: URLSearchParams, field: string): string {
  const value = params.get(field);
  if (value === null || !DAY_RE.test(value)) {
    bad(
      field,
      `${field} must be a day YYYY-MM-DD, got ${value === null ? 'nothing' : JSON.stringify(value)}`,
    );
  }
  return value;
}

function uint(params: URLSearchParams, field: string): number | undefined {
  const value = params.get(field);
  if (value === null || value === '') return undefined;
  if (!UINT_RE.test(value)) bad(field, `${field} must be an integer ≥ 0, got ${JSON.stringify(value)}`);
  return Number(value);
}

/**
 * Reads `site`, `kind`, `from`, `to`, `top` from the query string of `GET {prefix}/pages`
 * (kind defaults to `click`). Throws `INVALID_QUERY` or `INVALID_RANGE` naming the field.
 */
export function parsePagesParams(search: string): PagesQuery {
  const params = new URLSearchParams(search);
  once(params, ['site', 'kind', 'from', 'to', 'top']);
  const kind = params.get('kind') || 'click';
  const query: PagesQuery = { kind: kind as EventKind, from: day(params, 'from'), to: day(params, 'to') };
  const top = uint(params, 'top');
  if (top !== undefined) query.top = top;
  const site = params.get('site');
  if (site !== null && site !== '') query.site = site;
  return query;
}

/**
 * Reads `url`, `kind`, `site`, `vw` | `bucket`, `from`, `to`, `top`, `minCount`, `mode` (and
 * `compareFrom`, `compareTo` for a second range) from the query string of `GET {prefix}/heatmap`. Numbers must be integers ≥ 0, days `YYYY-MM-DD`; the
 * tracker's query checks the rest (known kind, range order and length). Unknown parameters are
 * ignored (cache busters); a known one given twice is an error. Throws `INVALID_QUERY` or
 * `INVALID_RANGE` naming the field.
 */
export function parseHeatmapParams(search: string): HeatmapRequest {
  const params = new URLSearchParams(search);
  once(params, FIELDS);
  const url = params.get('url');
  if (url === null || url === '') bad('url', 'url is required: the page whose heatmap to draw');
  const kind = params.get('kind');
  if (kind === null || kind === '') bad('kind', 'kind is required: click, scroll, move, rage or dead');
  const query: HeatmapQuery = {
    url,
    kind: kind as EventKind,
    from: day(params, 'from'),
    to: day(params, 'to'),
  };
  for (const field of ['vw', 'bucket', 'top', 'minCount'] as const) {
    const value = uint(params, field);
    if (value !== undefined) query[field] = value;
  }
  const site = params.get('site');
  if (site !== null && site !== '') query.site = site;
  const mode = params.get('mode');
  if (mode !== null && mode !== '') {
    if (mode !== 'page' && mode !== 'element')
      bad('mode', `mode must be page or element, got ${JSON.stringify(mode)}`);
    return {
      query: { ...query, mode, kind: kind as ElementEventKind } as AnyHeatmapQuery,
      compare: compareOf(params),
    };
  }
  return { query, compare: compareOf(params) };
}

function compareOf(params: URLSearchParams): HeatmapRequest['compare'] {
  const compared = params.has('compareFrom') || params.has('compareTo');
  return compared ? { from: day(params, 'compareFrom'), to: day(params, 'compareTo') } : undefined;
}
