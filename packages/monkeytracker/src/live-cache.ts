import {
  bucketOf,
  cellOf,
  formatDay,
  GridBuilder,
  type GridIndex,
  type HeatEvent,
  type IndexKey,
  type Period,
  parseDay,
  type ZoneCalendar,
  zoneCalendar,
} from '@monkeytracker/grid';
import type { QueryPlan } from '@monkeytracker/query';
import { kindIndex, type Page } from './page-directory';

/** A delta cut from a builder, counted by queries until storage confirms its day and month key. */
export interface PendingDelta {
  readonly delta: GridIndex;
  readonly bytes: number;
  dayApplied: boolean;
  monthApplied: boolean;
}

/** Live counts of one series on one local day. */
export interface DayEntry {
  readonly series: Series;
  /** Local day, as days since 1970-01-01. */
  readonly day: number;
  /** Events not yet cut into a delta; `null` when there are none. */
  builder: GridBuilder | null;
  /** Cut deltas whose merge is not confirmed for both keys, oldest first. */
  pending: PendingDelta[];
  /** Ingest tick of the last event (for LRU). */
  touched: number;
  /** `touched` as seen by the last sweep, and when it last changed (for idleness). */
  sweptTick: number;
  activeAt: number;
}

/**
 * One page × kind × bucket: its live days, and the merge state queries synchronize on.
 * `epoch` moves whenever a merge touching this series starts or settles; a query that saw the
 * same epoch before and after its storage read, with no merge in flight, read a consistent state.
 */
export class Series {
  readonly days = new Map<number, DayEntry>();
  current: DayEntry | undefined;
  inflight = 0;
  epoch = 0;
  #waiters: (() => void)[] = [];

  constructor(
    readonly page: Page,
    readonly slot: number,
    readonly kind: IndexKey['kind'],
    readonly bucket: number,
  ) {}

  /** Resolves once no merge touching this series is in flight. */
  idle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Marks a merge as started. */
  begin(): void {
    this.inflight++;
    this.epoch++;
  }

  /** Marks a merge as settled (applied or failed) and wakes waiting queries when none is left. */
  end(): void {
    this.inflight--;
    this.epoch++;
    if (this.inflight === 0) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    }
  }
}

/**
 * The storage keys of an entry: its day and its month. Built when a merge needs them rather
 * than kept per entry, which would cost a few hundred bytes for each of a hundred thousand
 * live entries.
 */
export function entryKeys(entry: DayEntry): { dayKey: IndexKey; monthKey: IndexKey } {
  const series = entry.series;
  const day = formatDay(entry.day);
  const dayKey: IndexKey = {
    site: series.page.site,
    url: series.page.url,
    kind: series.kind,
    bucket: series.bucket,
    period: `d:${day}`,
  };
  return { dayKey, monthKey: { ...dayKey, period: `m:${day.slice(0, 7)}` as Period } };
}

/** Rough bytes of an entry's bookkeeping beside its typed arrays (keys, maps, objects). */
const ENTRY_OVERHEAD_BYTES = 400;
/** Bytes of a new builder's table (16 slots of 12 bytes). */
const NEW_BUILDER_BYTES = 192;
/** Bytes a pending delta holds: 4 + 8 per cell plus the object. */
function deltaBytes(delta: GridIndex): number {
  return delta.cells.length * 12 + 96;
}

/**
 * The live index cache: one `GridBuilder` per (page, kind, bucket, local day), fed by the
 * ingest hot path without allocation per event once an entry exists; deltas cut from builders
 * wait in `pending` until storage confirms them.
 */
export class LiveCache {
  readonly #cellSize: number;
  readonly #breakpoints: readonly number[];
  readonly #calendar: ZoneCalendar;
  readonly #entries = new Set<DayEntry>();
  #tick = 0;
  /** Bytes of pending deltas (exact). */
  pendingBytes = 0;
  /** Number of pending deltas. */
  pendingDeltas = 0;
  /** Bytes of builders and entries, as measured by the last sweep. */
  builderBytes = 0;

  constructor(options: { cellSize: number; breakpoints: readonly number[]; timeZone: string }) {
    this.#cellSize = options.cellSize;
    this.#breakpoints = options.breakpoints;
    this.#calendar = zoneCalendar(options.timeZone);
  }

  /** Number of live (series, day) entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** The ingest hot path: counts one validated event of `page`. */
  add(page: Page, event: HeatEvent): void {
    const bucket = bucketOf(event.vw, this.#breakpoints);
    const slot = kindIndex(event.kind) * this.#breakpoints.length + bucket;
    const series = page.series[slot] ?? this.#newSeries(page, slot, event.kind, bucket);
    const day = this.#calendar.dayNumber(event.t);
    let entry = series.current;
    if (entry === undefined || entry.day !== day) entry = this.#entryFor(series, day);
    let builder = entry.builder;
    if (builder === null) builder = entry.builder = new GridBuilder({ cellSize: this.#cellSize });
    builder.add(cellOf(event.x, event.y, this.#cellSize));
    entry.touched = ++this.#tick;
  }

  /** The series of a page key, if it has live state. */
  findSeries(page: Page | undefined, kind: IndexKey['kind'], bucket: number): Series | undefined {
    return page?.series[kindIndex(kind) * this.#breakpoints.length + bucket];
  }

  /**
   * Live deltas of `series` that a query reading `plan` from storage must add: the builders of
   * days in the range, and every pending delta whose key the plan reads (the day key when the
   * plan reads that day, else the month key) and storage has not confirmed.
   */
  snapshot(series: Series, plan: QueryPlan): GridIndex[] {
    const from = parseDay(plan.from)!;
    const to = parseDay(plan.to)!;
    const days = new Set<number>(plan.days.map((period) => parseDay(period.slice(2))!));
    const out: GridIndex[] = [];
    for (const entry of series.days.values()) {
      if (entry.day < from || entry.day > to) continue;
      if (entry.builder !== null && entry.builder.total > 0) out.push(entry.builder.toIndex());
      const readsDay = days.has(entry.day);
      for (const p of entry.pending) {
        if (readsDay ? !p.dayApplied : !p.monthApplied) out.push(p.delta);
      }
    }
    return out;
  }

  /**
   * Cuts the builders of entries chosen by `pick` (all with data when absent) into pending
   * deltas; returns how many were cut.
   */
  cut(pick?: (entry: DayEntry) => boolean): number {
    let n = 0;
    for (const entry of this.#entries) {
      const builder = entry.builder;
      if (builder === null || builder.total === 0 || (pick && !pick(entry))) continue;
      const delta = builder.toIndex();
      entry.builder = null;
      const bytes = deltaBytes(delta);
      entry.pending.push({ delta, bytes, dayApplied: false, monthApplied: false });
      this.pendingBytes += bytes;
      this.pendingDeltas++;
      n++;
    }
    return n;
  }

  /** Every entry with pending deltas, for the merge scheduler. */
  *pendingEntries(): Iterable<DayEntry> {
    for (const entry of this.#entries) if (entry.pending.length > 0) yield entry;
  }

  /** Drops pending deltas that storage confirmed for both keys. */
  settle(entry: DayEntry): void {
    let kept = 0;
    for (const p of entry.pending) {
      if (p.dayApplied && p.monthApplied) {
        this.pendingBytes -= p.bytes;
        this.pendingDeltas--;
      } else {
        entry.pending[kept++] = p;
      }
    }
    entry.pending.length = kept;
  }

  /**
   * Housekeeping on the flush timer: notes activity, cuts entries that are idle, of past days,
   * or the least recently used past `maxEntries`, and drops entries with nothing left in them.
   * Returns the number of builders cut (they need a merge).
   */
  sweep(now: number, idleMs: number, maxEntries: number): number {
    const today = this.#calendar.dayNumber(now);
    let bytes = 0;
    for (const entry of this.#entries) {
      if (entry.touched !== entry.sweptTick) {
        entry.sweptTick = entry.touched;
        entry.activeAt = now;
      }
      bytes += ENTRY_OVERHEAD_BYTES + (entry.builder?.byteLength ?? 0);
    }
    this.builderBytes = bytes;
    let victims = (entry: DayEntry) => now - entry.activeAt >= idleMs || entry.day < today;
    const excess = this.#entries.size - maxEntries;
    if (excess > 0) {
      // Least recently used: the `excess` (plus a tenth, to avoid sweeping every time) oldest ticks.
      const ticks = Array.from(this.#entries, (e) => e.touched).sort((a, b) => a - b);
      const cutoff = ticks[Math.min(ticks.length - 1, excess + Math.floor(maxEntries / 10))]!;
      const idle = victims;
      victims = (entry) => idle(entry) || entry.touched <= cutoff;
    }
    const cut = this.cut(victims);
    for (const entry of this.#entries) {
      if (entry.builder === null && entry.pending.length === 0 && victims(entry)) this.#remove(entry);
    }
    return cut;
  }

  #newSeries(page: Page, slot: number, kind: IndexKey['kind'], bucket: number): Series {
    const series = new Series(page, slot, kind, bucket);
    page.series[slot] = series;
    return series;
  }

  #entryFor(series: Series, day: number): DayEntry {
    let entry = series.days.get(day);
    if (entry === undefined) {
      entry = {
        series,
        day,
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
    if (series.days.size === 0 && series.inflight === 0) series.page.series[series.slot] = undefined;
  }
}
