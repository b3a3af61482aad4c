import type { EventKind } from '@monkeytracker/grid';
import type { TrackerQuery } from './create-tracker';

/** A heatmap query read from a query string, or the parameter that is wrong. */
export type HeatmapParams =
  | { ok: true; query: TrackerQuery }
  | { ok: false; code: 'INVALID_QUERY' | 'INVALID_RANGE'; field: string; message: string };

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const UINT_RE = /^\d{1,15}$/;
const FIELDS = ['url', 'kind', 'site', 'vw', 'bucket', 'from', 'to', 'top', 'minCount'] as const;

/**
 * Reads `url`, `kind`, `site`, `vw` | `bucket`, `from`, `to`, `top`, `minCount` from the query
 * string of `GET {prefix}/heatmap`. Numbers must be integers ≥ 0, days `YYYY-MM-DD`; the
 * tracker's query checks the rest (known kind, range order and length). Unknown parameters are
 * ignored (cache busters); a known one given twice is an error.
 */
export function parseHeatmapParams(search: string): HeatmapParams {
  const params = new URLSearchParams(search);
  for (const field of FIELDS) {
    if (params.getAll(field).length > 1) {
      const code = field === 'from' || field === 'to' ? 'INVALID_RANGE' : 'INVALID_QUERY';
      return { ok: false, code, field, message: `${field} is given more than once` };
    }
  }
  const url = params.get('url');
  if (url === null || url === '') {
    return {
      ok: false,
      code: 'INVALID_QUERY',
      field: 'url',
      message: 'url is required: the page whose heatmap to draw',
    };
  }
  const kind = params.get('kind');
  if (kind === null || kind === '') {
    return {
      ok: false,
      code: 'INVALID_QUERY',
      field: 'kind',
      message: 'kind is required: click, scroll or move',
    };
  }
  const query: TrackerQuery = { url, kind: kind as EventKind, from: '', to: '' };
  for (const field of ['from', 'to'] as const) {
    const value = params.get(field);
    if (value === null || !DAY_RE.test(value)) {
      return {
        ok: false,
        code: 'INVALID_RANGE',
        field,
        message: `${field} must be a day YYYY-MM-DD, got ${value === null ? 'nothing' : JSON.stringify(value)}`,
      };
    }
    query[field] = value;
  }
  for (const field of ['vw', 'bucket', 'top', 'minCount'] as const) {
    const value = params.get(field);
    if (value === null || value === '') continue;
    if (!UINT_RE.test(value)) {
      return {
        ok: false,
        code: 'INVALID_QUERY',
        field,
        message: `${field} must be an integer ≥ 0, got ${JSON.stringify(value)}`,
      };
    }
    query[field] = Number(value);
  }
  const site = params.get('site');
  if (site !== null && site !== '') query.site = site;
  return { ok: true, query };
}
