import {
  blockPeriod,
  blockStart,
  bucketOf,
  cellOf,
  ELEMENT_OFFSET_SCALE,
  ElementBuilder,
  type ElementEventKind,
  elementIndexKind,
  formatDay,
  GridBuilder,
  type GridIndex,
  type HeatEvent,
  type IndexKey,
  indexByteLength,
  type Period,
  parseBlockPeriod,
  parseDay,
  type ZoneCalendar,
  zoneCalendar,
} from '@monkeytracker/grid';
import type { LivePart } from '@monkeytracker/query';
import type { ElementBudget } from './element-budget';
import { elementKindIndex, kindIndex, type Page, type PageDirectory } from './page-directory';

/** A delta cut from a builder, counted by queries until storage holds it for every key of its day (see {@link entryKeys}). */
export interface PendingDelta {
  readonly delta: GridIndex;
  readonly bytes: number;
  /** The journal position of the cut this delta ends at (its merge position). */
  readonly position: number;
  /** The position of the cut before: the delta holds this entry's events from there on. */
  readonly from: number;
  /** Bit `i` set: storage holds this delta for key `i` of {@link entryKeys}. */
  applied: number;
}

/** Live counts of one series on one local day. */
export interface DayEntry {
  readonly series: Series;
  /** Local day, as days since 1970-01-01. */
  readonly day: number;
  /** `YYYY-MM` of the day, for month keys. */
  readonly month: string;
  /** Events not yet cut into a delta; `null` when there are none. */
  builder: GridBuilder | ElementBuilder | null;
  /** Cut deltas storage has not confirmed for both keys, oldest first. */
  pending: PendingDelta[];
  /** Ingest tick of the last event (for LRU). */
  touched: number;
  /** `touched` as seen by the last sweep, and when it last changed (for idleness). */
  sweptTick: number;
  activeAt: number;
}

/** One page × kind × bucket: its live days. */
export class Series {
  readonly days = new Map<number, DayEntry>();
  current: DayEntry | undefined;

  constructor(
    readonly page: Page,
    readonly slot: number,
    readonly kind: IndexKey['kind'],
    readonly bucket: number,
  ) {}
}

/** {@link PendingDelta.applied} once storage holds a delta for all {@link entryKeys}. */
export const ALL_KEYS_APPLIED = 0b1111;

/**
 * The storage keys a delta of an entry is merged into: its day, its 3-day and 9-day blocks and
 * its month (one delta, four keys). Built when needed rather than kept per entry.
 */
export function entryKeys(entry: DayEntry): IndexKey[] {
  const series = entry.series;
  const base = { site: series.page.site, url: series.page.url, kind: series.kind, bucket: series.bucket };
  return [
    { ...base, period: `d:${formatDay(entry.day)}` },
    { ...base, period: blockPeriod(entry.day, 3) },
    { ...base, period: blockPeriod(entry.day, 9) },
    { ...base, period: `m:${entry.month}` as Period },
  ];
}

/** Rough bytes of an entry's bookkeeping beside its typed arrays (keys, maps, objects). */
const ENTRY_OVERHEAD_BYTES = 400;
/** Bytes of a new builder's table (16 slots of 8 bytes). */
const NEW_BUILDER_BYTES = 128;
/** Bytes a new element adds to an element builder beside its selector: map entry, box sums, cells. */
const NEW_ELEMENT_BYTES = 120;
/** Bytes of a new series (object, slot in its page). */
const SERIES_OVERHEAD_BYTES = 160;
/** Bytes a pending delta holds: 4 + 8 per cell plus the object. */
function deltaBytes(delta: GridIndex): number {
  return indexByteLength(delta) + 96;
}

/**
 * The live index cache: one `GridBuilder` per (page, kind, bucket, local day), fed by the ingest
 * hot path without allocation per event once an entry exists. A cut turns every builder with
 * events into a pending delta at one journal position; deltas wait until storage confirms them.
 */
export class LiveCache {
  readonly #cellSize: number;
  readonly #breakpoints: readonly number[];
  readonly #calendar: ZoneCalendar;
  readonly #pages: PageDirectory;
  readonly #entries = new Set<DayEntry>();
  #tick = 0;
  /** The position of the last cut: a builder's events end after it. */
  lastCut: number;
  /** Bytes of pending deltas (exact). */
  pendingBytes = 0;
  /** Number of pending deltas. */
  pendingDeltas = 0;
  /** Bytes of builders, entries and series, as measured by the last sweep plus what was added since. */
  builderBytes = 0;

  readonly #elements: ElementBudget;

  constructor(
    options: { cellSize: number; breakpoints: readonly number[]; timeZone: string },
    pages: PageDirectory,
    startPosition: number,
    elements: ElementBudget,
  ) {
    this.#elements = elements;
    this.#cellSize = options.cellSize;
    this.#breakpoints = options.breakpoints;
    this.#calendar = zoneCalendar(options.timeZone);
    this.#pages = pages;
    this.lastCut = startPosition;
  }

  /** Number of live (series, day) entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** The local day of an instant, as days since 1970-01-01 (what {@link add} takes). */
  dayOf(t: number): number {
    return this.#calendar.dayNumber(t);
  }

  /**
   * The ingest hot path: counts one validated event of `page` on local `day` (see {@link dayOf})
   * in its page grid and, when it names the element it hit, in the element index of its kind.
   */
  add(page: Page, event: HeatEvent, day: number): void {
    const bucket = bucketOf(event.vw, this.#breakpoints);
    const buckets = this.#breakpoints.length;
    const slot = kindIndex(event.kind) * buckets + bucket;
    const series = page.series[slot] ?? this.#newSeries(page, slot, event.kind, bucket);
    let entry = series.current;
    if (entry === undefined || entry.day !== day) entry = this.#entryFor(series, day);
    let builder = entry.builder as GridBuilder | null;
    if (builder === null) builder = entry.builder = new GridBuilder({ cellSize: this.#cellSize });
    builder.add(cellOf(event.x, event.y, this.#cellSize));
    entry.touched = ++this.#tick;
    if (event.sel !== '') this.#addElement(page, event, day, bucket);
  }

  /** The element half of {@link add}: one click on `event.sel` at its offset, with the box it had. */
  #addElement(page: Page, event: HeatEvent, day: number, bucket: number): void {
    // No kind string is built per event: the slot comes from the event kind's index.
    const slot = elementKindIndex(event.kind) * this.#breakpoints.length + bucket;
    const series =
      page.series[slot] ??
      this.#newSeries(page, slot, elementIndexKind(event.kind as ElementEventKind), bucket);
    let entry = series.current;
    if (entry === undefined || entry.day !== day) entry = this.#entryFor(series, day);
    let builder = entry.builder as ElementBuilder | null;
    if (builder === null) builder = entry.builder = new ElementBuilder();
    let row = builder.rowOf(event.sel);
    if (row < 0) {
      // The budget is asked once per selector and cut, not per click.
      if (!this.#elements.admit(page, event.sel, day)) return;
      row = builder.addRow(event.sel);
      // Counted now, not at the next sweep: unique selectors must not outrun the overload check.
      this.builderBytes += event.sel.length * 2 + NEW_ELEMENT_BYTES;
    }
    // The box's top-left follows from the click and its offset inside the box (whole px, ≥ 0).
    const left = Math.max(0, Math.round(event.x - (event.ox * event.ew) / ELEMENT_OFFSET_SCALE));
    const top = Math.max(0, Math.round(event.y - (event.oy * event.eh) / ELEMENT_OFFSET_SCALE));
    builder.addClickAt(row, event.ox, event.oy, left, top, event.ew, event.eh);
    entry.touched = this.#tick;
  }

  /** The series of a page key, if it has live state. */
  findSeries(page: Page | undefined, kind: IndexKey['kind'], bucket: number): Series | undefined {
    return page?.series[kindIndex(kind) * this.#breakpoints.length + bucket];
  }

  /**
   * The live parts of `keys` (day, block or month keys of `series`): for a day key, its entry's
   * pending deltas and builder; for a block or month key, those of every entry in it. A builder's part
   * carries a position just above the last cut (its events will be cut after it).
   */
  snapshot(series: Series | undefined, keys: readonly IndexKey[]): LivePart[][] {
    const out: LivePart[][] = keys.map(() => []);
    if (series === undefined || series.days.size === 0) return out;
    const uncut = this.lastCut + 0.5;
    keys.forEach((key, i) => {
      const parts = out[i]!;
      const month = key.period.startsWith('m:') ? key.period.slice(2) : undefined;
      const block = parseBlockPeriod(key.period);
      const day = month === undefined && block === undefined ? parseDay(key.period.slice(2)) : undefined;
      const add = (entry: DayEntry) => {
        for (const p of entry.pending) parts.push({ delta: p.delta, position: p.position });
        if (entry.builder !== null && entry.builder.total > 0) {
          parts.push({ delta: entry.builder.toIndex(), position: uncut });
        }
      };
      if (day !== undefined) {
        const entry = series.days.get(day);
        if (entry) add(entry);
      } else if (block !== undefined) {
        for (const entry of series.days.values())
          if (blockStart(entry.day, block.size) === block.start) add(entry);
      } else {
        for (const entry of series.days.values()) if (entry.month === month) add(entry);
      }
    });
    return out;
  }

  /**
   * Cuts every builder with events into a pending delta ending at journal `position` (all
   * events appended before it are in these builders or in earlier deltas). Returns how many
   * deltas were cut.
   */
  cut(position: number): number {
    if (position < this.lastCut)
      throw new RangeError(`cut at ${position} before the last cut ${this.lastCut}`);
    const from = this.lastCut;
    let n = 0;
    for (const entry of this.#entries) {
      const builder = entry.builder;
      if (builder === null || builder.total === 0) continue;
      const delta = builder.toIndex();
      entry.builder = null;
      const bytes = deltaBytes(delta);
      entry.pending.push({ delta, bytes, position, from, applied: 0 });
      this.pendingBytes += bytes;
      this.pendingDeltas++;
      n++;
    }
    this.lastCut = position;
    return n;
  }

  /** Events in builders (not cut yet). */
  uncutEvents(): number {
    let n = 0;
    for (const entry of this.#entries) n += entry.builder?.total ?? 0;
    return n;
  }

  /** Every entry with pending deltas, for the merge scheduler. */
  *pendingEntries(): Iterable<DayEntry> {
    for (const entry of this.#entries) if (entry.pending.length > 0) yield entry;
  }

  /** The earliest `from` of any pending delta: where recovery would have to start reading. */
  oldestPendingFrom(): number | undefined {
    let oldest: number | undefined;
    for (const entry of this.#entries) {
      const first = entry.pending[0];
      if (first !== undefined && (oldest === undefined || first.from < oldest)) oldest = first.from;
    }
    return oldest;
  }

  /** Drops pending deltas that storage confirmed for every key. */
  settle(entry: DayEntry): void {
    let kept = 0;
    for (const p of entry.pending) {
      if (p.applied === ALL_KEYS_APPLIED) {
        this.pendingBytes -= p.bytes;
        this.pendingDeltas--;
      } else {
        entry.pending[kept++] = p;
      }
    }
    entry.pending.length = kept;
  }

  /**
   * Housekeeping after a merge: notes activity, measures builder bytes, and drops entries with
   * nothing left in them that are idle, of past days, or the least recently used past
   * `maxEntries` (entries with events are cut by the next cut and dropped by a later sweep).
   */
  sweep(now: number, idleMs: number, maxEntries: number): void {
    const today = this.#calendar.dayNumber(now);
    let bytes = 0;
    for (const entry of this.#entries) {
      if (entry.touched !== entry.sweptTick) {
        entry.sweptTick = entry.touched;
        entry.activeAt = now;
      }
      bytes += ENTRY_OVERHEAD_BYTES + (entry.builder?.byteLength ?? 0);
    }
    let victim = (entry: DayEntry) => now - entry.activeAt >= idleMs || entry.day < today;
    const excess = this.#entries.size - maxEntries;
    if (excess > 0) {
      // Least recently used: the `excess` (plus a tenth, to avoid sweeping every time) oldest ticks.
      const ticks = Array.from(this.#entries, (e) => e.touched).sort((a, b) => a - b);
      const cutoff = ticks[Math.min(ticks.length - 1, excess + Math.floor(maxEntries / 10))]!;
      const idle = victim;
      victim = (entry) => idle(entry) || entry.touched <= cutoff;
    }
    for (const entry of this.#entries) {
      if (entry.builder === null && entry.pending.length === 0 && victim(entry)) {
        bytes -= ENTRY_OVERHEAD_BYTES;
        this.#remove(entry);
      }
    }
    let series = 0;
    for (const entry of this.#entries) if (entry.series.current === entry) series++;
    this.builderBytes = bytes + series * SERIES_OVERHEAD_BYTES;
  }

  #newSeries(page: Page, slot: number, kind: IndexKey['kind'], bucket: number): Series {
    const series = new Series(page, slot, kind, bucket);
    page.series[slot] = series;
    page.live++;
    this.builderBytes += SERIES_OVERHEAD_BYTES;
    return series;
  }

  #entryFor(series: Series, day: number): DayEntry {
    let entry = series.days.get(day);
    if (entry === undefined) {
      entry = {
        series,
        day,
        month: formatDay(day).slice(0, 7),
        builder: null,
        pending: [],
        touched: this.#tick,
        sweptTick: -1,
        activeAt: 0,
      };
      series.days.set(day, entry);
      this.#entries.add(entry);
      // Counted now, not at the next sweep, so a burst of new keys cannot outrun the overload check.
      this.builderBytes += ENTRY_OVERHEAD_BYTES + NEW_BUILDER_BYTES;
    }
    if (series.current === undefined || day >= series.current.day) series.current = entry;
    return entry;
  }

  #remove(entry: DayEntry): void {
    const series = entry.series;
    this.#entries.delete(entry);
    series.days.delete(entry.day);
    if (series.current === entry) {
      series.current = undefined;
      for (const other of series.days.values()) {
        if (series.current === undefined || other.day > series.current.day) series.current = other;
      }
    }
    if (series.days.size === 0) {
      const page = series.page;
      page.series[series.slot] = undefined;
      page.live--;
      if (page.live === 0) this.#pages.forget(page);
    }
  }
}
