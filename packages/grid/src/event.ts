/**
 * What was recorded: a click, the deepest scroll point of a page view, a mouse position, a rage
 * click (the third of ≥ 3 clicks within 1 s within 30 px) or a dead click (a click on a
 * non-interactive target after which nothing changed within 1 s).
 */
export type EventKind = 'click' | 'scroll' | 'move' | 'rage' | 'dead';

/** Every event kind, in a stable order (its index is the kind's numeric id; only ever appended to). */
export const EVENT_KINDS: readonly EventKind[] = ['click', 'scroll', 'move', 'rage', 'dead'];

/** The kinds whose events may carry the element they hit (`sel`, `ox`, `oy`, `ew`, `eh`). */
export type ElementEventKind = 'click' | 'rage' | 'dead';

/** Every {@link ElementEventKind}. */
export const ELEMENT_EVENT_KINDS: readonly ElementEventKind[] = ['click', 'rage', 'dead'];

/** Longest element selector accepted, in characters. */
export const MAX_SELECTOR_LENGTH = 256;

/** Offsets inside an element's box run from 0 to this on each axis. */
export const ELEMENT_OFFSET_SCALE = 1000;

/**
 * What a selector may contain: the snippet builds them from `data-mt` names, hand-written ids,
 * tag names and `:nth-of-type(n)` steps joined by `>` — never text or free attribute values.
 */
const SELECTOR_RE = /^[A-Za-z0-9_\-#.:>()[\]="]+$/;

/** The site that events without a `site` field belong to. */
export const DEFAULT_SITE = 'default';

/**
 * One event as a browser sends it. Page coordinates are CSS pixels from the top-left of the
 * document. For `scroll`, `y` is the deepest point seen in the page view (scrollY + vh) and `x`
 * is ignored (stored as 0).
 */
export interface HeatEventInput {
  kind: EventKind;
  url: string;
  x: number;
  y: number;
  /** Viewport width in CSS px. */
  vw: number;
  /** Viewport height in CSS px. */
  vh: number;
  /** Epoch milliseconds; when absent the validator stamps `options.now`. */
  t?: number;
  site?: string;
  /**
   * The element a click, rage or dead click hit, as a stable CSS selector (see the snippet):
   * with it come `ox`/`oy` and `ew`/`eh`. All five or none (`''` and zeros also mean none).
   */
  sel?: string;
  /** Offset of the click inside the element's box, 0–1000 from its left edge. */
  ox?: number;
  /** Offset of the click inside the element's box, 0–1000 from its top edge. */
  oy?: number;
  /** The element's box width in CSS px when clicked. */
  ew?: number;
  /** The element's box height in CSS px when clicked. */
  eh?: number;
}

/**
 * A validated event: integers in range, `t` and `site` always present. `sel` is `''` for an event
 * without an element, and then `ox`, `oy`, `ew`, `eh` are 0 (every event has the same shape, so
 * the hot path stays monomorphic).
 */
export interface HeatEvent {
  kind: EventKind;
  url: string;
  x: number;
  y: number;
  vw: number;
  vh: number;
  t: number;
  site: string;
  sel: string;
  ox: number;
  oy: number;
  ew: number;
  eh: number;
}

/**
 * Why an event was rejected: the name of the first offending field, `'element'` for element
 * fields that are malformed, partial or on a kind without elements, or `'shape'` for a non-object.
 */
export type RejectReason = 'kind' | 'url' | 'x' | 'y' | 'vw' | 'vh' | 't' | 'site' | 'element' | 'shape';

/** Every reason {@link validateEvent} can give, for counters and docs. */
export const REJECT_REASONS: readonly RejectReason[] = [
  'shape',
  'kind',
  'url',
  'x',
  'y',
  'vw',
  'vh',
  't',
  'site',
  'element',
];

/** The result of {@link validateEvent}: never throws, never returns a half-valid event. */
export type ValidationResult = { ok: true; event: HeatEvent } | { ok: false; reason: RejectReason };

/** Limits applied by {@link validateEvent}; the defaults suit real pages. */
export interface ValidateOptions {
  /** Largest page coordinate accepted, in px. Default 1,000,000. */
  maxCoordinate?: number;
  /** Largest viewport width or height accepted, in px. Default 20,000. */
  maxViewport?: number;
  /** Longest url accepted, in UTF-16 code units. Default 2,048. */
  maxUrlLength?: number;
  /** Longest site name accepted. Default 128. */
  maxSiteLength?: number;
  /**
   * How far an event's `t` may run ahead of `now` (ms): a client clock ahead, then corrected,
   * must not file events under days no query has reached yet. Default 300,000 (5 minutes).
   */
  maxFutureMs?: number;
  /** The time stamped on events without `t`, and the clock `maxFutureMs` is measured on (epoch ms). Default `Date.now()` at the call. */
  now?: number;
}

/** Latest accepted event time: the end of year 9999, so a bad client clock cannot overflow a period. */
const MAX_TIME = 253_402_300_799_999;
const DEFAULT_MAX_COORDINATE = 1_000_000;
const DEFAULT_MAX_VIEWPORT = 20_000;
const DEFAULT_MAX_URL_LENGTH = 2_048;
const DEFAULT_MAX_SITE_LENGTH = 128;
const DEFAULT_MAX_FUTURE_MS = 300_000;

// A lone surrogate is not a character: encoders replace it (U+FFFD) when the journal writes the
// string, so the live key and the replayed key would differ. Such strings are rejected.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: () => boolean }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !LONE_SURROGATE.test(s);

/** An element field of an event without an element: absent, or 0 as a validated event has it. */
function noValue(value: unknown): boolean {
  return value === undefined || value === 0;
}

/** Floors a finite number in `[0, max]`; returns -1 for anything else (NaN, ±Infinity, strings, out of range). */
function flooredInRange(value: unknown, max: number): number {
  if (typeof value !== 'number' || !(value >= 0) || !(value <= max)) return -1;
  return Math.floor(value);
}

/**
 * Checks one untrusted event and returns a clean copy or the reason it was rejected.
 * Never throws: bad input is a value to count, not an exception in the ingest path.
 *
 * Numbers may be floats (they are floored); NaN, ±Infinity, negatives and values past the
 * limits are rejected, and so are a `t` more than `maxFutureMs` ahead of `now` and strings with
 * lone surrogates. Fields are checked in the order of {@link REJECT_REASONS}.
 *
 * @example
 * ```ts
 * const r = validateEvent({ kind: 'click', url: '/', x: 10.7, y: 20, vw: 1280, vh: 800 });
 * if (r.ok) console.log(r.event.x); // 10
 * else console.log(r.reason);       // e.g. 'vw'
 * ```
 */
export function validateEvent(input: unknown, options: ValidateOptions = {}): ValidationResult {
  const event = emptyEvent();
  const reason = validateEventInto(input, event, options);
  return reason === undefined ? { ok: true, event } : { ok: false, reason };
}

/** A blank event object of the validated shape, for pools that {@link validateEventInto} fills. */
export function emptyEvent(): HeatEvent {
  return {
    kind: 'click',
    url: '',
    x: 0,
    y: 0,
    vw: 0,
    vh: 0,
    t: 0,
    site: DEFAULT_SITE,
    sel: '',
    ox: 0,
    oy: 0,
    ew: 0,
    eh: 0,
  };
}

/**
 * {@link validateEvent} without allocation, for hot paths: writes the clean event into `out`
 * (which may be reused between calls) and returns `undefined`, or returns the reject reason
 * and leaves `out` partly written.
 */
export function validateEventInto(
  input: unknown,
  out: HeatEvent,
  options: ValidateOptions = {},
): RejectReason | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'shape';
  const e = input as Record<string, unknown>;
  const kind = e.kind;
  if (kind !== 'click' && kind !== 'scroll' && kind !== 'move' && kind !== 'rage' && kind !== 'dead')
    return 'kind';
  const url = e.url;
  if (
    typeof url !== 'string' ||
    url.length === 0 ||
    url.length > (options.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH) ||
    !isWellFormed(url)
  ) {
    return 'url';
  }
  const maxCoordinate = options.maxCoordinate ?? DEFAULT_MAX_COORDINATE;
  const maxViewport = options.maxViewport ?? DEFAULT_MAX_VIEWPORT;
  let x = 0;
  if (kind !== 'scroll') {
    x = flooredInRange(e.x, maxCoordinate);
    if (x < 0) return 'x';
  } else if (e.x !== undefined && flooredInRange(e.x, maxCoordinate) < 0) {
    return 'x';
  }
  const y = flooredInRange(e.y, maxCoordinate);
  if (y < 0) return 'y';
  const vw = flooredInRange(e.vw, maxViewport);
  if (vw < 0) return 'vw';
  const vh = flooredInRange(e.vh, maxViewport);
  if (vh < 0) return 'vh';
  const now = options.now ?? Date.now();
  let t: number;
  if (e.t === undefined) {
    t = now;
  } else {
    t = flooredInRange(e.t, MAX_TIME);
    if (t < 0 || t > now + (options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS)) return 't';
  }
  let site = DEFAULT_SITE;
  if (e.site !== undefined) {
    const s = e.site;
    if (
      typeof s !== 'string' ||
      s.length === 0 ||
      s.length > (options.maxSiteLength ?? DEFAULT_MAX_SITE_LENGTH) ||
      !isWellFormed(s)
    ) {
      return 'site';
    }
    site = s;
  }
  let sel = '';
  let ox = 0;
  let oy = 0;
  let ew = 0;
  let eh = 0;
  const s = e.sel;
  // Absent or `''` is no element (a validated event, e.g. replayed from the journal, carries `''` and zeros).
  if (s !== undefined && s !== '') {
    if (
      kind === 'scroll' ||
      kind === 'move' ||
      typeof s !== 'string' ||
      s.length > MAX_SELECTOR_LENGTH ||
      !SELECTOR_RE.test(s)
    ) {
      return 'element';
    }
    ox = flooredInRange(e.ox, ELEMENT_OFFSET_SCALE);
    oy = flooredInRange(e.oy, ELEMENT_OFFSET_SCALE);
    ew = flooredInRange(e.ew, maxCoordinate);
    eh = flooredInRange(e.eh, maxCoordinate);
    if (ox < 0 || oy < 0 || ew < 0 || eh < 0) return 'element';
    sel = s;
  } else if (!noValue(e.ox) || !noValue(e.oy) || !noValue(e.ew) || !noValue(e.eh)) {
    return 'element';
  }
  out.kind = kind;
  out.url = url;
  out.x = x;
  out.y = y;
  out.vw = vw;
  out.vh = vh;
  out.t = t;
  out.site = site;
  out.sel = sel;
  out.ox = ox;
  out.oy = oy;
  out.ew = ew;
  out.eh = eh;
  return undefined;
}
