import { type HeatEvent, type RejectReason, type ValidateOptions, validateEvent } from '@monkeytracker/grid';
import type { Journal } from '@monkeytracker/journal';
import type { StorageAdapter } from '@monkeytracker/storage';
import { LiveCache } from './live-cache';
import { MergeScheduler } from './merge-scheduler';
import { type Page, PageDirectory } from './page-directory';
import type { ResolvedOptions } from './tracker-options';

/** Why `track` refused an event: a validation reason, or `'overloaded'` (storage or journal behind). */
export type TrackRejectReason = RejectReason | 'overloaded';

/** What `track` did with a batch: valid events are kept even when others in it are rejected. */
export interface TrackResult {
  accepted: number;
  rejected: { index: number; reason: TrackRejectReason }[];
}

/**
 * The one ingest path, shared by live tracking and replay: validate → normalize url → journal
 * (when given) → live cache. Replay runs the same code without a journal, which is what makes
 * rebuilding indexes from the journal trustworthy.
 */
export class IngestEngine {
  readonly pages: PageDirectory;
  readonly cache: LiveCache;
  readonly merges: MergeScheduler;
  accepted = 0;
  readonly rejectedByReason: Record<string, number> = {};
  readonly #journal: Journal | undefined;
  readonly #options: ResolvedOptions;
  readonly #validate: ValidateOptions;
  // Reused per batch: the valid events, their pages, and their positions in the input.
  readonly #events: HeatEvent[] = [];
  readonly #pages: Page[] = [];
  readonly #positions: number[] = [];

  constructor(options: ResolvedOptions, storage: StorageAdapter, journal?: Journal) {
    this.#options = options;
    this.#journal = journal;
    this.#validate = { ...options.validation };
    this.pages = new PageDirectory(options.urls);
    this.cache = new LiveCache(options);
    this.merges = new MergeScheduler(storage, this.cache, options.maxKeysPerMerge, options.onError);
  }

  /** True when live counts and unmerged deltas exceed `maxPendingBytes`. */
  get overloaded(): boolean {
    return this.cache.pendingBytes + this.cache.builderBytes > this.#options.maxPendingBytes;
  }

  /** Validates and counts a batch; `now` stamps events without `t`. */
  ingest(inputs: readonly unknown[], now: number): TrackResult {
    const rejected: TrackResult['rejected'] = [];
    if (this.overloaded) {
      for (let i = 0; i < inputs.length; i++) rejected.push({ index: i, reason: 'overloaded' });
      this.#count('overloaded', inputs.length);
      return { accepted: 0, rejected };
    }
    const events = this.#events;
    const pages = this.#pages;
    const positions = this.#positions;
    events.length = 0;
    pages.length = 0;
    positions.length = 0;
    this.#validate.now = now;
    for (let i = 0; i < inputs.length; i++) {
      const result = validateEvent(inputs[i], this.#validate);
      if (!result.ok) {
        rejected.push({ index: i, reason: result.reason });
        this.#count(result.reason, 1);
        continue;
      }
      const page = this.pages.resolve(result.event.site, result.event.url);
      if (page === null) {
        rejected.push({ index: i, reason: 'url' });
        this.#count('url', 1);
        continue;
      }
      events.push(result.event);
      pages.push(page);
      positions.push(i);
    }
    // The journal takes a prefix when its buffer is full; the rest are refused, not counted.
    const taken = this.#journal && events.length > 0 ? this.#journal.append(events) : events.length;
    const cache = this.cache;
    for (let j = 0; j < taken; j++) cache.add(pages[j]!, events[j]!);
    if (taken < events.length) {
      for (let j = taken; j < events.length; j++)
        rejected.push({ index: positions[j]!, reason: 'overloaded' });
      this.#count('overloaded', events.length - taken);
      rejected.sort((a, b) => a.index - b.index);
    }
    this.accepted += taken;
    events.length = 0;
    pages.length = 0;
    return { accepted: taken, rejected };
  }

  #count(reason: string, n: number): void {
    this.rejectedByReason[reason] = (this.rejectedByReason[reason] ?? 0) + n;
  }
}
