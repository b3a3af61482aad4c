/**
 * The append-side staging area: `append` copies each validated event's fields into
 * preallocated typed-array columns and interns its url, site and element selector into
 * per-frame dictionaries.
 * Copying (rather than keeping the caller's objects) makes the journal immune to callers that
 * reuse or mutate their arrays, gives an exact-enough `pendingBytes`, and leaves the write
 * loop nothing to do but varint-encode columns. Capacity doubles when full, so a steady
 * writer allocates nothing per event.
 */
import type { HeatEvent } from '@monkeytracker/grid';

/** Latest event time accepted, the same bound as `validateEvent` in `@monkeytracker/grid` (end of year 9999). */
export const MAX_EVENT_TIME = 253_402_300_799_999;

/**
 * Kind → numeric code. Part of the on-disk format: never reorder, only append (0–2 since
 * format 1; `rage` and `dead` since format 3).
 */
export const KIND_CODE: Readonly<Record<string, number>> = { click: 0, scroll: 1, move: 2, rage: 3, dead: 4 };

/** Numeric code → kind, the inverse of {@link KIND_CODE}. */
export const KIND_BY_CODE = ['click', 'scroll', 'move', 'rage', 'dead'] as const;

/** Largest `ox` / `oy` (offsets inside the element's box), the same bound as `ELEMENT_OFFSET_SCALE` in `@monkeytracker/grid`. */
export const MAX_ELEMENT_OFFSET = 1000;

/**
 * Bytes one staged event occupies in the columns: 1 kind + 8 t + 4×4 coordinates + 3×4
 * dictionary ids (url, site, selector) + 2×2 element offsets + 2×4 element size.
 */
export const STAGED_EVENT_BYTES = 49;

/** A frame holds at most this many events, so one frame's decode stays small and bounded. */
export const FRAME_MAX_EVENTS = 65_536;

/** A frame is cut when its estimated size passes this, whatever its event count (long unique urls). */
export const FRAME_MAX_BYTES = 4 * 1024 * 1024;

/** Events staged for one frame, as columns. */
export class EventStage {
  /** Number of events staged. */
  n = 0;
  /** Kind codes ({@link KIND_CODE}). */
  kinds: Uint8Array;
  /** Event times, epoch ms. */
  ts: Float64Array;
  xs: Uint32Array;
  ys: Uint32Array;
  vws: Uint32Array;
  vhs: Uint32Array;
  /** Index into {@link urls} per event. */
  urlIds: Uint32Array;
  /** Index into {@link sites} per event. */
  siteIds: Uint32Array;
  /** 0 for an event without an element, else index into {@link sels} + 1. */
  selIds: Uint32Array;
  /** Offset inside the element's box, 0–1000 (0 without an element). */
  oxs: Uint16Array;
  oys: Uint16Array;
  /** The element's box size in px (0 without an element). */
  ews: Uint32Array;
  ehs: Uint32Array;
  /** The frame's url dictionary, in first-seen order. */
  urls: string[] = [];
  /** The frame's site dictionary, in first-seen order. */
  sites: string[] = [];
  /** The frame's element selector dictionary, in first-seen order (empty when no event has an element). */
  sels: string[] = [];
  /** Smallest and largest `t` staged (meaningless while `n` is 0). */
  lo = Number.POSITIVE_INFINITY;
  hi = Number.NEGATIVE_INFINITY;
  /** Events rejected by {@link add} since the owner last reset this counter. */
  invalid = 0;
  /** Journal position of the first event staged (or of the cut, for an empty stage). */
  first = 0;
  /** The writer cut its live indexes after this stage's last event. */
  cutAfter = false;
  /** Total UTF-16 length of the dictionary strings (urls, sites, selectors), for the size estimate. */
  private dictChars = 0;
  private readonly urlIndex = new Map<string, number>();
  private readonly siteIndex = new Map<string, number>();
  /** Selector → its id in {@link selIds} (dictionary index + 1). */
  private readonly selIndex = new Map<string, number>();

  constructor(capacity = 1024) {
    this.kinds = new Uint8Array(capacity);
    this.ts = new Float64Array(capacity);
    this.xs = new Uint32Array(capacity);
    this.ys = new Uint32Array(capacity);
    this.vws = new Uint32Array(capacity);
    this.vhs = new Uint32Array(capacity);
    this.urlIds = new Uint32Array(capacity);
    this.siteIds = new Uint32Array(capacity);
    this.selIds = new Uint32Array(capacity);
    this.oxs = new Uint16Array(capacity);
    this.oys = new Uint16Array(capacity);
    this.ews = new Uint32Array(capacity);
    this.ehs = new Uint32Array(capacity);
  }

  /** Rough bytes held: the columns plus the dictionary strings (2 bytes per UTF-16 unit). */
  get estimatedBytes(): number {
    return this.n * STAGED_EVENT_BYTES + this.dictChars * 2;
  }

  /** True when the stage should be cut into a frame before taking more events. */
  get full(): boolean {
    return this.n >= FRAME_MAX_EVENTS || this.estimatedBytes >= FRAME_MAX_BYTES;
  }

  /** Empties the stage, keeping the column capacity for the next frame. */
  reset(): void {
    this.n = 0;
    this.urls = [];
    this.sites = [];
    this.sels = [];
    this.urlIndex.clear();
    this.siteIndex.clear();
    this.selIndex.clear();
    this.dictChars = 0;
    this.lo = Number.POSITIVE_INFINITY;
    this.hi = Number.NEGATIVE_INFINITY;
    this.first = 0;
    this.cutAfter = false;
  }

  /**
   * Stages `events[start..end)` until the stage is full. Returns the index of the first event not
   * looked at; {@link invalid} counts the events skipped because they are not validated HeatEvents.
   */
  add(events: readonly HeatEvent[], start: number, end: number): number {
    let i = start;
    let n = this.n;
    if (n + (end - start) > this.kinds.length) this.grow(Math.min(n + (end - start), FRAME_MAX_EVENTS));
    const room = Math.min(end, start + (FRAME_MAX_EVENTS - n));
    for (; i < room; i++) {
      const e = events[i] as HeatEvent;
      // A cheap structural check: the journal must never write something it cannot read back.
      if (typeof e !== 'object' || e === null) {
        this.invalid++;
        continue;
      }
      const { kind: k, url, site, x, y, vw, vh, t, sel, ox, oy, ew, eh } = e;
      // Not a lookup in KIND_CODE: 'toString' and friends would be found on its prototype.
      const kind =
        k === 'click' ? 0 : k === 'scroll' ? 1 : k === 'move' ? 2 : k === 'rage' ? 3 : k === 'dead' ? 4 : -1;
      if (
        kind < 0 ||
        typeof url !== 'string' ||
        url.length === 0 ||
        typeof site !== 'string' ||
        site.length === 0 ||
        x >>> 0 !== x ||
        y >>> 0 !== y ||
        vw >>> 0 !== vw ||
        vh >>> 0 !== vh ||
        !(t >= 0 && t <= MAX_EVENT_TIME && Math.floor(t) === t) ||
        typeof sel !== 'string' ||
        // With an element: integer offsets in [0, 1000] and a uint32 box; without: all four 0.
        (sel.length === 0
          ? ox !== 0 || oy !== 0 || ew !== 0 || eh !== 0
          : ox >>> 0 !== ox ||
            ox > MAX_ELEMENT_OFFSET ||
            oy >>> 0 !== oy ||
            oy > MAX_ELEMENT_OFFSET ||
            ew >>> 0 !== ew ||
            eh >>> 0 !== eh)
      ) {
        this.invalid++;
        continue;
      }
      let selId = 0;
      if (sel.length > 0) {
        const known = this.selIndex.get(sel);
        if (known === undefined) {
          this.sels.push(sel);
          selId = this.sels.length;
          this.selIndex.set(sel, selId);
          this.dictChars += sel.length;
        } else {
          selId = known;
        }
      }
      let u = this.urlIndex.get(url);
      if (u === undefined) {
        u = this.urls.length;
        this.urls.push(url);
        this.urlIndex.set(url, u);
        this.dictChars += url.length;
      }
      let s = this.siteIndex.get(site);
      if (s === undefined) {
        s = this.sites.length;
        this.sites.push(site);
        this.siteIndex.set(site, s);
        this.dictChars += site.length;
      }
      this.kinds[n] = kind;
      this.ts[n] = t;
      this.xs[n] = x;
      this.ys[n] = y;
      this.vws[n] = vw;
      this.vhs[n] = vh;
      this.urlIds[n] = u;
      this.siteIds[n] = s;
      this.selIds[n] = selId;
      this.oxs[n] = ox;
      this.oys[n] = oy;
      this.ews[n] = ew;
      this.ehs[n] = eh;
      if (t < this.lo) this.lo = t;
      if (t > this.hi) this.hi = t;
      n++;
      // Long unique urls (or selectors) can fill a frame before the event cap does.
      if (this.dictChars >= FRAME_MAX_BYTES / 2) {
        i++;
        break;
      }
    }
    this.n = n;
    return i;
  }

  private grow(need: number): void {
    let cap = this.kinds.length;
    while (cap < need) cap *= 2;
    if (cap === this.kinds.length) return;
    const n = this.n;
    const kinds = new Uint8Array(cap);
    kinds.set(this.kinds.subarray(0, n));
    this.kinds = kinds;
    const ts = new Float64Array(cap);
    ts.set(this.ts.subarray(0, n));
    this.ts = ts;
    this.xs = grown(this.xs, cap, n);
    this.ys = grown(this.ys, cap, n);
    this.vws = grown(this.vws, cap, n);
    this.vhs = grown(this.vhs, cap, n);
    this.urlIds = grown(this.urlIds, cap, n);
    this.siteIds = grown(this.siteIds, cap, n);
    this.selIds = grown(this.selIds, cap, n);
    const oxs = new Uint16Array(cap);
    oxs.set(this.oxs.subarray(0, n));
    this.oxs = oxs;
    const oys = new Uint16Array(cap);
    oys.set(this.oys.subarray(0, n));
    this.oys = oys;
    this.ews = grown(this.ews, cap, n);
    this.ehs = grown(this.ehs, cap, n);
  }
}

function grown(a: Uint32Array, cap: number, n: number): Uint32Array {
  const next = new Uint32Array(cap);
  next.set(a.subarray(0, n));
  return next;
}
