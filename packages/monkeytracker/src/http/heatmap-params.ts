import type { EventKind } from '@monkeytracker/grid';
import { type HeatmapQuery, InvalidQueryError, InvalidRangeError } from '@monkeytracker/query';

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const UINT_RE = /^\d{1,15}$/;
const FIELDS = ['url', 'kind', 'site', 'vw', 'bucket', 'from', 'to', 'top', 'minCount'] as const;

function bad(field: string, message: string): never {
  if (field === 'from' || field === 'to') throw new InvalidRangeError(message, { field });
  throw new InvalidQueryError(message, { field });
}

/**
 * Reads `url`, `kind`, `site`, `vw` | `bucket`, `from`, `to`, `top`, `minCount` from the query
 * string of `GET {prefix}/heatmap`. Numbers must be integers ≥ 0, days `YYYY-MM-DD`; the
 * tracker's query checks the rest (known kind, range order and length). Unknown parameters are
 * ignored (cache busters); a known one given twice is an error. Throws `INVALID_QUERY` or
 * `INVALID_RANGE` naming the field.
 */
export function parseHeatmapParams(search: string): HeatmapQuery {
  const params = new URLSearchParams(search);
  for (const field of FIELDS) {
    if (params.getAll(field).length > 1) bad(field, `${field} is given more than once`);
  }
  const url = params.get('url');
  if (url === null || url === '') bad('url', 'url is required: the page whose heatmap to draw');
  const kind = params.get('kind');
  if (kind === null || kind === '') bad('kind', 'kind is required: click, scroll or move');
  const query: HeatmapQuery = { url, kind: kind as EventKind, from: '', to: '' };
  for (const field of ['from', 'to'] as const) {
    const value = params.get(field);
    if (value === null || !DAY_RE.test(value)) {
      bad(
        field,
        `${field} must be a day YYYY-MM-DD, got ${value === null ? 'nothing' : JSON.stringify(value)}`,
      );
    }
    query[field] = value;
  }
  for (const field of ['vw', 'bucket', 'top', 'minCount'] as const) {
    const value = params.get(field);
    if (value === null || value === '') continue;
    if (!UINT_RE.test(value)) bad(field, `${field} must be an integer ≥ 0, got ${JSON.stringify(value)}`);
    query[field] = Number(value);
  }
  const site = params.get('site');
  if (site !== null && site !== '') query.site = site;
  return query;
}
