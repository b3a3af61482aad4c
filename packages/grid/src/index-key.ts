import { parseBlockPeriod } from './block-period';
import { InvalidKeyError } from './errors';
import { type ElementEventKind, EVENT_KINDS, type EventKind } from './event';

/**
 * A period in the tracker's zone: one calendar day `d:YYYY-MM-DD`, one calendar month
 * `m:YYYY-MM`, or a block of 3 or 9 days `b3:YYYY-MM-DD` / `b9:YYYY-MM-DD` named by its first day
 * (see `blockPeriod`).
 */
export type Period = `d:${string}` | `m:${string}` | `b3:${string}` | `b9:${string}`;

/** The kind of an element index: `el:` and the event kind it counts (see `ElementBuilder`). */
export type ElementIndexKind = `el:${ElementEventKind}`;

/** What an index counts: a page grid of one event kind, or an element index of one. */
export type IndexKind = EventKind | ElementIndexKind;

/** Every index kind: the event kinds (page grids), then the element index kinds. */
export const INDEX_KINDS: readonly IndexKind[] = [...EVENT_KINDS, 'el:click', 'el:rage', 'el:dead'];

/** The element index kind of an event kind that carries elements. */
export function elementIndexKind(kind: ElementEventKind): ElementIndexKind {
  return `el:${kind}`;
}

/** True for the kinds whose indexes are element indexes. */
export function isElementIndexKind(kind: IndexKind): kind is ElementIndexKind {
  return kind.startsWith('el:');
}

/** What one stored index counts: one page, one index kind, one viewport bucket, one period. */
export interface IndexKey {
  site: string;
  /** The normalized url (see `normalizeUrl`). */
  url: string;
  /** An event kind (the page grid of those events) or `el:<kind>` (their element index). */
  kind: IndexKind;
  /** Viewport-width bucket (see `bucketOf`), 0–255. */
  bucket: number;
  period: Period;
}

const PERIOD_RE = /^(?:d:\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])|m:\d{4}-(?:0[1-9]|1[0-2]))$/;
const SEPARATOR = '|';

/** True when `value` is a well-formed period string. */
export function isPeriod(value: unknown): value is Period {
  if (typeof value !== 'string') return false;
  return value[0] === 'b' ? parseBlockPeriod(value) !== undefined : PERIOD_RE.test(value);
}

function escapeSite(site: string): string {
  return site.replaceAll('%', '%25').replaceAll('|', '%7C');
}

function unescapeSite(site: string): string {
  return site.replace(/%(25|7C)/g, (m) => (m === '%25' ? '%' : '|'));
}

/** Throws {@link InvalidKeyError} unless every field of `key` is well formed. */
export function assertIndexKey(key: IndexKey): void {
  if (typeof key !== 'object' || key === null) throw new InvalidKeyError('index key must be an object');
  if (typeof key.site !== 'string' || key.site.length === 0) {
    throw new InvalidKeyError(`index key site must be a non-empty string, got ${JSON.stringify(key.site)}`);
  }
  if (typeof key.url !== 'string' || key.url.length === 0) {
    throw new InvalidKeyError(`index key url must be a non-empty string, got ${JSON.stringify(key.url)}`);
  }
  if (!INDEX_KINDS.includes(key.kind)) {
    throw new InvalidKeyError(
      `index key kind must be one of ${INDEX_KINDS.join(', ')}, got ${JSON.stringify(key.kind)}`,
    );
  }
  if (!Number.isInteger(key.bucket) || key.bucket < 0 || key.bucket > 255) {
    throw new InvalidKeyError(`index key bucket must be an integer from 0 to 255, got ${String(key.bucket)}`);
  }
  if (!isPeriod(key.period)) {
    throw new InvalidKeyError(
      `index key period must look like d:YYYY-MM-DD, m:YYYY-MM or an aligned block b3:YYYY-MM-DD / b9:YYYY-MM-DD, got ${JSON.stringify(key.period)}`,
    );
  }
}

/**
 * The canonical string form of a key, used for maps and storage ids:
 * `site|kind|bucket|period|url`. The url comes last and is kept verbatim, so any url
 * round-trips (it may contain `|`); `%` and `|` in the site are percent-escaped.
 */
export function keyToString(key: IndexKey): string {
  assertIndexKey(key);
  return `${escapeSite(key.site)}${SEPARATOR}${key.kind}${SEPARATOR}${key.bucket}${SEPARATOR}${key.period}${SEPARATOR}${key.url}`;
}

/** Parses the output of {@link keyToString}; throws {@link InvalidKeyError} on anything else. */
export function keyFromString(value: string): IndexKey {
  if (typeof value !== 'string') throw new InvalidKeyError('index key string must be a string');
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 4; i++) {
    const end = value.indexOf(SEPARATOR, start);
    if (end < 0) throw new InvalidKeyError(`not an index key string: ${JSON.stringify(value.slice(0, 200))}`);
    parts.push(value.slice(start, end));
    start = end + 1;
  }
  const [site, kind, bucket, period] = parts as [string, string, string, string];
  if (!/^(?:0|[1-9]\d{0,2})$/.test(bucket))
    throw new InvalidKeyError(`bad bucket in index key string ${JSON.stringify(value)}`);
  const key: IndexKey = {
    site: unescapeSite(site),
    url: value.slice(start),
    kind: kind as IndexKind,
    bucket: Number(bucket),
    period: period as Period,
  };
  assertIndexKey(key);
  return key;
}
