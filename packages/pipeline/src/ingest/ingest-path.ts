import {
  emptyEvent,
  type HeatEvent,
  type RejectReason,
  type ValidateOptions,
  validateEventInto,
} from '@monkeytracker/grid';
import type { Journal } from '@monkeytracker/journal';
import type { LiveCache } from '../live/live-cache';
import type { PageBudget } from '../live/page-budget';
import type { Page, PageDirectory } from '../live/page-directory';

/** Event objects kept for reuse; a larger batch allocates the rest instead of pinning them. */
const MAX_POOLED_EVENTS = 4096;

/**
 * Why an event was refused: a validation reason; `'host'` (its url's host is no configured
 * site's, or a path without a configured site); `'cardinality'` (its site already has the most
 * distinct pages a day allows); `'overloaded'` (storage or journal behind); or `'journal'` (the
 * journal cannot write, so the event could not be made durable).
 */
export type TrackRejectReason = RejectReason | 'host' | 'cardinality' | 'overloaded' | 'journal';

/** What `track` did with a batch: valid events are kept even when others in it are rejected. */
export interface TrackResult {
  accepted: number;
  rejected: { index: number; reason: TrackRejectReason }[];
}

/**
 * The one ingest path, shared by live tracking and replay: validate → normalize url → journal
 * (live only) → live cache. Replay runs the same code without a journal, which is what makes
 * rebuilding indexes from the journal trustworthy.
 */
export class IngestPath {
  accepted = 0;
  /** Events counted although the journal did not take them (`journalFailure: 'continue'`). */
  unjournaled = 0;
  readonly rejectedByReason: Partial<Record<TrackRejectReason, number>> = {};
  readonly #validate: ValidateOptions;
  // Reused per batch: the valid events, their pages, and their positions in the input. The
  // event objects come from a pool that grows to the largest batch: the journal copies events
  // into its column buffers and the live cache reads them synchronously, so nothing keeps them.
  readonly #pool: HeatEvent[] = [];
  readonly #events: HeatEvent[] = [];
  readonly #pages: Page[] = [];
  readonly #days: number[] = [];
  readonly #positions: number[] = [];

  constructor(
    validation: Omit<ValidateOptions, 'now'>,
    private readonly pages: PageDirectory,
    private readonly budget: PageBudget,
    private readonly cache: LiveCache,
  ) {
    this.#validate = { ...validation };
  }

  /**
   * Validates and counts a batch; `now` stamps events without `t`. With a journal, events are
   * appended first and only what it took is counted: the rest are refused as `'journal'` when it
   * is failing, else `'overloaded'` — or, with `countUnjournaled`, counted all the same.
   */
  ingest(
    inputs: readonly unknown[],
    now: number,
    journal: Journal | undefined,
    countUnjournaled = false,
  ): TrackResult {
    const rejected: TrackResult['rejected'] = [];
    const events = this.#events;
    const pages = this.#pages;
    const days = this.#days;
    const positions = this.#positions;
    events.length = 0;
    pages.length = 0;
    days.length = 0;
    positions.length = 0;
    this.#validate.now = now;
    const pool = this.#pool;
    for (let i = 0; i < inputs.length; i++) {
      let event = pool[events.length];
      if (event === undefined) {
        event = emptyEvent();
        if (pool.length < MAX_POOLED_EVENTS) pool.push(event);
      }
      const reason = validateEventInto(inputs[i], event, this.#validate);
      if (reason !== undefined) {
        rejected.push({ index: i, reason });
        this.count(reason, 1);
        continue;
      }
      const page = this.pages.resolve(event.site, event.url);
      if (typeof page === 'string') {
        rejected.push({ index: i, reason: page });
        this.count(page, 1);
        continue;
      }
      const day = this.cache.dayOf(event.t);
      if (!this.budget.admit(page, day)) {
        // A page refused by the budget must not stay in the directory: unique urls would grow it.
        if (page.live === 0) this.pages.forget(page);
        rejected.push({ index: i, reason: 'cardinality' });
        this.count('cardinality', 1);
        continue;
      }
      events.push(event);
      pages.push(page);
      days.push(day);
      positions.push(i);
    }
    // The journal takes a prefix when its buffer is full; the rest are refused, not counted.
    const appended = journal && events.length > 0 ? journal.append(events) : events.length;
    let taken = appended;
    if (appended < events.length && countUnjournaled) {
      this.unjournaled += events.length - appended;
      taken = events.length;
    }
    const cache = this.cache;
    for (let j = 0; j < taken; j++) cache.add(pages[j]!, events[j]!, days[j]!);
    if (taken < events.length) {
      const reason = journal?.failing ? 'journal' : 'overloaded';
      for (let j = taken; j < events.length; j++) rejected.push({ index: positions[j]!, reason });
      this.count(reason, events.length - taken);
      rejected.sort((a, b) => a.index - b.index);
    }
    this.accepted += taken;
    events.length = 0;
    pages.length = 0;
    return { accepted: taken, rejected };
  }

  /** Refuses a whole batch (the pipeline is overloaded). */
  refuse(count: number, reason: TrackRejectReason): TrackResult {
    const rejected: TrackResult['rejected'] = [];
    for (let i = 0; i < count; i++) rejected.push({ index: i, reason });
    this.count(reason, count);
    return { accepted: 0, rejected };
  }

  count(reason: TrackRejectReason, n: number): void {
    this.rejectedByReason[reason] = (this.rejectedByReason[reason] ?? 0) + n;
  }
}
