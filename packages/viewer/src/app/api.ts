// The tracker's read API as the viewer uses it: relative urls (`../config`, `../pages`,
// `../heatmap`), so the viewer works under any prefix, with the browser's credentials for its
// own origin (the cookie of the login page, or whatever the host's authorize checks).

/** `GET {prefix}/config`. */
export interface TrackerConfig {
  cellSize: number;
  breakpoints: number[];
  buckets: { bucket: number; minWidth: number; maxWidth: number | null }[];
  timeZone: string;
  /** Today in the tracker's time zone, `YYYY-MM-DD`. */
  today: string;
  maxQueryDays: number;
  sites: { id: string; hosts: string[] }[];
  kinds: Kind[];
}

export type Kind = 'click' | 'scroll' | 'move' | 'rage' | 'dead';

/** The kinds whose events name the element they hit: they have an element mode. */
export type ElementKind = 'click' | 'rage' | 'dead';
export const ELEMENT_KINDS: readonly Kind[] = ['click', 'rage', 'dead'];
export const isElementKind = (kind: Kind): kind is ElementKind => ELEMENT_KINDS.includes(kind);

/** One page of `GET {prefix}/pages`. */
export interface PageEntry {
  url: string;
  total: number;
  /** Events per viewport bucket, keyed by the bucket number. */
  buckets: Record<string, number>;
}

/** `GET {prefix}/pages`. */
export interface PagesAnswer {
  site: string;
  kind: Kind;
  from: string;
  to: string;
  total: number;
  pages: PageEntry[];
}

export interface Cell {
  x: number;
  y: number;
  count: number;
}

export interface ReachPoint {
  y: number;
  share: number;
}

/** One range of `GET {prefix}/heatmap`. */
export interface HeatmapRange {
  cellSize: number;
  total: number;
  max: number;
  cellCount: number;
  cells: Cell[];
  reach?: ReachPoint[];
  /** Scroll heatmaps, when the server knows it: the mean viewport height (the average fold), px. */
  fold?: number;
}

/** `GET {prefix}/heatmap`: the range, and the second range when asked for (`compareFrom`, `compareTo`). */
export interface HeatmapAnswer extends HeatmapRange {
  compare?: HeatmapRange;
}

/** An element's box, page px. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One element of an element heatmap (`mode=element`). */
export interface ElementHeat {
  /** A CSS selector as the snippet builds it: `[data-mt="buy"]`, `#signup`, `body>main>p:nth-of-type(3)`. */
  selector: string;
  count: number;
  /** `count` ÷ the answer's `total`. */
  share: number;
  /** The element's average box when it was clicked, page px (drawn there when it is not on the page now). */
  box: Box;
  /** Cells inside the box: `x`, `y` the cell's top-left in offset units (0–1000 of the box). */
  cells: Cell[];
}

export interface TopElement {
  selector: string;
  count: number;
  share: number;
}

/** `GET {prefix}/heatmap?…&mode=element`: the elements clicked, each with a grid of positions inside it. */
export interface ElementHeatmap {
  mode: 'element';
  /** Every event with an element in the range (including elements `top` or `minCount` left out). */
  total: number;
  /** The highest element count. */
  max: number;
  /** The highest inner-cell count among the elements returned. */
  cellMax: number;
  /** Distinct elements before `top` and `minCount`. */
  elementCount: number;
  /** `cells` per axis inside each element, `units` of the 0–1000 offset per cell. */
  grid: { cells: number; units: number };
  elements: ElementHeat[];
  /** The 10 most clicked elements of the range. */
  topElements: TopElement[];
}

/** An API answer that is not 2xx, or no answer at all, as something to show to a person. */
export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, 0 when the request did not get an answer. */
    readonly status: number,
    readonly code: string,
    /** Seconds to wait before retrying (503 + Retry-After). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** The message a person sees for an API error: what happened and what to do. */
function explain(status: number, code: string, error: string, field: string | undefined): string {
  if (status === 401)
    return 'You are signed out (the read token is missing or expired). Reload the page to sign in.';
  if (status === 403) return 'These credentials may not read heatmaps. Ask the site owner for a read token.';
  if (status === 503) return 'The tracker is busy or its storage is not answering. Retrying…';
  if (status === 400 && field) return `The ${field} of this view is not valid: ${error}.`;
  if (status === 404)
    return 'This tracker does not serve that part of the API (is the viewer newer than the tracker?).';
  if (status >= 500) return `The tracker failed to answer (${code || status}). Try again in a moment.`;
  return error || `The tracker answered ${status}.`;
}

/** Fetches `../<path>?<params>` as JSON; throws {@link ApiError}. */
export async function getJson<T>(
  path: 'config' | 'pages' | 'heatmap',
  params: Record<string, string | number | undefined> = {},
  signal?: AbortSignal,
): Promise<T> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') query.set(key, String(value));
  const search = query.toString();
  let response: Response;
  try {
    response = await fetch(`../${path}${search ? `?${search}` : ''}`, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
      signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError('The tracker cannot be reached. Check the connection; retrying…', 0, 'NETWORK', 3);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    body = undefined;
  }
  if (!response.ok) {
    const e = (body ?? {}) as { error?: string; code?: string; field?: string };
    const retry = Number(response.headers.get('retry-after'));
    throw new ApiError(
      explain(response.status, e.code ?? '', e.error ?? '', e.field),
      response.status,
      e.code ?? '',
      response.status === 503 ? (Number.isFinite(retry) && retry > 0 ? retry : 2) : undefined,
    );
  }
  if (body === undefined)
    throw new ApiError('The tracker answered something that is not JSON.', response.status, 'BAD_ANSWER');
  return body as T;
}
