import { isMonkeyTrackerError } from '@monkeytracker/grid';
import { type Journal, type JournalStats, openJournal } from '@monkeytracker/journal';
import {
  Pipeline,
  type PipelineEvent,
  type PipelineStats,
  type ResolvedOptions,
  recoveryStart,
  TrackerOptionError,
  type TrackResult,
  withDeadline,
} from '@monkeytracker/pipeline';
import type { AnyHeatmapQuery, HeatmapOf, PageList, PagesQuery } from '@monkeytracker/query';
import { MemoryStorage, type StorageAdapter, StorageUnavailableError } from '@monkeytracker/storage';
import { TrackerClosedError } from './errors';

/** What closing storage may add to `cache.flushTimeoutMs` when a tracker closes. */
const CLOSE_MARGIN_MS = 200;

import { createHandler, type HandlerOptions, type MonkeyTrackerHandler } from './http/handler';
import type { TrackerJournalOptions, TrackerLogger, TrackerOptions } from './tracker-options';

/** What a tracker reports as it works: the pipeline's merges and recovery, and background errors. */
export type TrackerEvent =
  | PipelineEvent
  | { type: 'error'; error: Error; code: string | undefined }
  /** The journal fsynced its open segment: how long the disk took and how many events became durable. */
  | { type: 'fsync'; ms: number; events: number };

/** A heatmap query as the tracker takes it: the url is normalized the way ingest normalizes it. */
export type TrackerQuery = AnyHeatmapQuery;

/** Counters for dashboards and alerts. */
export interface TrackerStats extends PipelineStats {
  /** Events re-read from the journal at start (recovery; the whole journal on memory storage). */
  recoveredOnStart: number;
  /** The journal's counters, when there is one. */
  journal: JournalStats | undefined;
}

/** The tracker a host application embeds. Create it with {@link createTracker}. */
export interface Tracker {
  /**
   * Validates and counts events, synchronously and cheaply: journal buffer + live index.
   * Valid events are kept even when others in the batch are rejected.
   */
  track(input: unknown): TrackResult;
  /**
   * A heatmap of one page over a range of days: stored indexes plus live deltas, never counted
   * twice. `mode: 'element'` answers with the elements clicked instead of page cells.
   */
  query<Q extends TrackerQuery>(query: Q): Promise<HeatmapOf<Q>>;
  /**
   * The busiest pages of a site in a range, with counts per viewport bucket: stored totals (no
   * index decoded) plus live counts, never twice. `{ site?, kind, from, to, top? }` (top ≤ 1000, default 100).
   */
  pages(query: PagesQuery): Promise<PageList>;
  /** The journal fsynced and every live delta merged into storage (`FLUSH_INCOMPLETE` after `cache.flushTimeoutMs`). */
  flush(): Promise<void>;
  /** Flushes, stops timers, closes the journal and the storage. Idempotent. */
  close(): Promise<void>;
  stats(): TrackerStats;
  /**
   * True while `track` refuses every new event — as `'overloaded'` (live state past
   * `cache.maxPendingBytes`) or `'journal'` (the journal cannot write) — cheap; `stats()` builds a whole report.
   */
  readonly overloaded: boolean;
  /** The tracker's clock (the `now` option): what stamps events without `t`. */
  now(): number;
  /** Reports a background error to the host's `onError` (the HTTP layer reports through it). */
  onError(error: Error): void;
  /** Calls `listener` with every {@link TrackerEvent} (metrics subscribe here); returns the unsubscribe. */
  observe(listener: (event: TrackerEvent) => void): () => void;
  /**
   * The HTTP door for `node:http`, Express and Connect (`monkeytracker/http` has the same as
   * `createHandler`, and the Fastify plugin). See the README's "HTTP handler" section.
   */
  handler(options?: HandlerOptions): MonkeyTrackerHandler;
  /** The resolved options (zone, grid, cache limits) for the HTTP layer and tools. */
  readonly options: Readonly<ResolvedOptions>;
  /** The storage this tracker merges into. */
  readonly storage: StorageAdapter;
}

/**
 * Creates a tracker: validates options, opens the journal (recovering a torn tail), re-reads the
 * part of the journal storage has not confirmed (all of it on memory storage) before taking
 * traffic, and starts the flush timer; the recovered deltas are merged by the first ticks.
 *
 * @example
 * ```ts
 * const tracker = await createTracker({ journal: { dir: './data/journal' }, timeZone: 'Europe/Prague' });
 * tracker.track({ kind: 'click', url: '/pricing', x: 410, y: 520, vw: 1280, vh: 720 });
 * const heatmap = await tracker.query({ url: '/pricing', kind: 'click', vw: 1280, from: '2024-06-01', to: '2024-06-30', top: 5000 });
 * await tracker.close();
 * ```
 */
export async function createTracker(options: TrackerOptions = {}): Promise<Tracker> {
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new TrackerOptionError('now must be a function returning epoch ms');
  }
  const events = new TrackerEvents(options.onError, options.logger);
  const onError = (error: Error) => events.error(error);
  const storage = options.storage ?? new MemoryStorage();
  if (options.checkStorage) await checkStorage(storage, options.queryTimeoutMs ?? 5_000);
  let journal: Journal | undefined;
  let journalFailure: TrackerJournalOptions['onFailure'];
  if (options.journal) {
    const { onFailure, ...journalOptions } = options.journal;
    journalFailure = onFailure;
    const onFsync = (ms: number, count: number) => events.emit({ type: 'fsync', ms, events: count });
    journal = await openJournal({ ...journalOptions, onError, onFsync });
  }
  try {
    const pipeline = new Pipeline({
      ...options,
      storage,
      journal,
      journalFailure,
      startPosition: journal ? recoveryStart(journal, storage) : undefined,
      onError,
      onEvent: (event) => events.emit(event),
    });
    const recovered = await pipeline.recover();
    return new LiveTracker(pipeline, events, options.now ?? Date.now, recovered.events);
  } catch (err) {
    await journal?.close().catch(() => {});
    throw err;
  }
}

/** The start-up check of `checkStorage`: `storage.ready()` within `timeoutMs`, as one clear error. */
async function checkStorage(storage: StorageAdapter, timeoutMs: number): Promise<void> {
  if (!storage.ready) return;
  try {
    await withDeadline(
      storage.ready(),
      timeoutMs,
      () => new StorageUnavailableError(`storage did not answer within ${timeoutMs} ms`),
    );
  } catch (err) {
    const detail = isMonkeyTrackerError(err) ? err.detail : (err as Error).message;
    throw new StorageUnavailableError(
      `checkStorage: storage is not reachable at start (${detail}); check its address and that it runs, or start without the check (checkStorage: false; serve --skip-storage-check) to let merges retry in the background`,
      { cause: err },
    );
  }
}

/** Fans events out to observers, the host's `onError` and its logger. */
class TrackerEvents {
  readonly #listeners = new Set<(event: TrackerEvent) => void>();
  constructor(
    readonly onError: ((error: Error) => void) | undefined,
    readonly logger: TrackerLogger | undefined,
  ) {}

  observe(listener: (event: TrackerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: TrackerEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // An observer must not break the pipeline.
      }
    }
    if (event.type === 'recovery') {
      this.logger?.info(
        { ...event },
        event.phase === 'start'
          ? 'monkeytracker: recovering the journal tail'
          : 'monkeytracker: recovery done',
      );
    }
  }

  error(error: Error): void {
    const code = (error as { code?: unknown }).code;
    this.emit({ type: 'error', error, code: typeof code === 'string' ? code : undefined });
    try {
      this.onError?.(error);
    } catch {
      // A throwing error handler must not break the pipeline.
    }
    // Failures that retries cure (storage down, a lost race) are warnings; the rest errors.
    const transient =
      code === 'STORAGE_UNAVAILABLE' || code === 'STORAGE_CONFLICT' || code === 'JOURNAL_WRITE_FAILED';
    this.logger?.[transient ? 'warn' : 'error']({ err: error, code }, error.message);
  }
}

class LiveTracker implements Tracker {
  readonly #pipeline: Pipeline;
  readonly #events: TrackerEvents;
  readonly #now: () => number;
  readonly #recovered: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #tickQueued = false;
  #ticking: Promise<unknown> | undefined;
  #closing: Promise<void> | undefined;

  constructor(pipeline: Pipeline, events: TrackerEvents, now: () => number, recovered: number) {
    this.#pipeline = pipeline;
    this.#events = events;
    this.#now = now;
    this.#recovered = recovered;
    // Recovered deltas go to storage at once; afterwards every flush interval.
    this.#schedule(recovered > 0 ? 0 : pipeline.options.flushIntervalMs);
  }

  get options(): Readonly<ResolvedOptions> {
    return this.#pipeline.options;
  }

  get storage(): StorageAdapter {
    return this.#pipeline.storage;
  }

  get overloaded(): boolean {
    return this.#pipeline.refusing !== undefined;
  }

  now(): number {
    return this.#now();
  }

  onError(error: Error): void {
    this.#events.error(error);
  }

  observe(listener: (event: TrackerEvent) => void): () => void {
    return this.#events.observe(listener);
  }

  track(input: unknown): TrackResult {
    if (this.#closing) throw new TrackerClosedError('track() after close(); create a new tracker');
    const result = this.#pipeline.track(Array.isArray(input) ? input : [input]);
    // Past maxEntries, merge early instead of waiting for the timer.
    if (!this.#tickQueued && this.#pipeline.needsTick) {
      this.#tickQueued = true;
      setImmediate(() => void this.#tick());
    }
    return result;
  }

  query<Q extends TrackerQuery>(query: Q): Promise<HeatmapOf<Q>> {
    if (this.#closing)
      return Promise.reject(new TrackerClosedError('query() after close(); create a new tracker'));
    try {
      return this.#pipeline.query(query);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  pages(query: PagesQuery): Promise<PageList> {
    if (this.#closing)
      return Promise.reject(new TrackerClosedError('pages() after close(); create a new tracker'));
    try {
      return this.#pipeline.pages(query);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async flush(): Promise<void> {
    if (this.#closing) throw new TrackerClosedError('flush() after close()');
    await this.#flush();
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  handler(options?: HandlerOptions): MonkeyTrackerHandler {
    return createHandler(this, options);
  }

  stats(): TrackerStats {
    return {
      ...this.#pipeline.stats(),
      recoveredOnStart: this.#recovered,
      journal: this.#pipeline.journal?.stats(),
    };
  }

  async #flush(): Promise<void> {
    const p = this.#pipeline;
    await p.flush({ until: p.timer.now() + p.options.flushTimeoutMs });
  }

  /**
   * Bounded whatever storage does: a tick in flight and the final flush share one deadline
   * (`cache.flushTimeoutMs`), closing storage gets {@link CLOSE_MARGIN_MS} more. What could not be
   * merged is reported (`FLUSH_INCOMPLETE`, with how many deltas stay) and is in the journal.
   */
  async #close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const p = this.#pipeline;
    const until = p.timer.now() + p.options.flushTimeoutMs;
    if (this.#ticking)
      await withDeadline(this.#ticking, p.options.flushTimeoutMs, () => new Error('tick')).catch(() => {});
    let failure: unknown;
    try {
      await p.flush({ until });
    } catch (err) {
      failure = err;
    }
    try {
      await p.journal?.close();
    } catch (err) {
      failure ??= err;
    }
    await withDeadline(p.storage.close(), CLOSE_MARGIN_MS, () => new Error('storage close')).catch(
      (err: unknown) => {
        this.#events.error(
          new Error(`storage.close() did not finish within ${CLOSE_MARGIN_MS} ms; left behind`, {
            cause: err,
          }),
        );
      },
    );
    if (failure) throw failure;
  }

  #schedule(delayMs: number): void {
    if (this.#closing) return;
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
    this.#timer.unref?.();
  }

  async #tick(): Promise<void> {
    this.#tickQueued = false;
    if (this.#closing || this.#ticking) return;
    if (this.#timer) clearTimeout(this.#timer);
    const tick = this.#pipeline.tick();
    this.#ticking = tick;
    try {
      await tick;
    } finally {
      this.#ticking = undefined;
    }
    this.#schedule(this.#pipeline.nextTickMs);
  }
}
