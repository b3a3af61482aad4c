import type { JournalStats } from '@monkeytracker/journal';
import { type Journal, openJournal } from '@monkeytracker/journal';
import {
  type Heatmap,
  type HeatmapQuery,
  keysOfPlan,
  pageKeyOf,
  planQuery,
  QueryError,
  reduceHeatmap,
} from '@monkeytracker/query';
import { MemoryStorage, type StorageAdapter } from '@monkeytracker/storage';
import { readConsistent } from './consistent-read';
import { FlushIncompleteError, TrackerClosedError } from './errors';
import { createHandler, type HandlerOptions, type MonkeyTrackerHandler } from './http-handler';
import { IngestEngine, type TrackRejectReason, type TrackResult } from './ingest-engine';
import { replayJournal } from './replay';
import { type ResolvedOptions, resolveOptions, type TrackerOptions } from './tracker-options';

/** A heatmap query as the tracker takes it: the url is normalized the way ingest normalizes it. */
export type TrackerQuery = HeatmapQuery;

/** Counters for dashboards and alerts. */
export interface TrackerStats {
  /** Events counted since start. */
  accepted: number;
  /** Rejected events by reason (`'x'`, `'url'`, `'overloaded'`, …). */
  rejected: Partial<Record<TrackRejectReason, number>>;
  /** Live (page, kind, bucket, day) entries. */
  liveEntries: number;
  /** Bytes held by live builders (as of the last sweep) and by unmerged deltas. */
  liveBytes: number;
  /** Deltas cut from the live cache and not yet confirmed by storage. */
  pendingMerges: number;
  /** Successful and failed `storage.merge` calls. */
  merges: number;
  mergeErrors: number;
  /** Keys whose merge was in flight when storage failed (counted as applied; see the README). */
  mergeUnknownKeys: number;
  lastMergeError: string | undefined;
  /** Whether new events are being refused because storage or the journal is behind. */
  overloaded: boolean;
  /** Events replayed from the journal at start. */
  replayedOnStart: number;
  journal: JournalStats | undefined;
}

/** The tracker a host application embeds. Create it with {@link createTracker}. */
export interface Tracker {
  /**
   * Validates and counts events, synchronously and cheaply: journal buffer + live index.
   * Valid events are kept even when others in the batch are rejected.
   */
  track(input: unknown): TrackResult;
  /** A heatmap of one page over a range of days: stored indexes plus live deltas, never counted twice. */
  query(query: TrackerQuery): Promise<Heatmap>;
  /** The journal fsynced and every live delta merged into storage. */
  flush(): Promise<void>;
  /** Flushes, stops timers, closes the journal and the storage. Idempotent. */
  close(): Promise<void>;
  stats(): TrackerStats;
  /** True while `track` refuses events as `'overloaded'` (cheap; `stats()` builds a whole report). */
  readonly overloaded: boolean;
  /**
   * The HTTP door: `POST {prefix}/collect`, `GET {prefix}/heatmap`, CORS, for `node:http`,
   * Express, Connect and Fastify. See the README's "HTTP handler" section.
   */
  handler(options?: HandlerOptions): MonkeyTrackerHandler;
  /** The resolved options (zone, grid, cache limits) for the HTTP layer and tools. */
  readonly options: Readonly<ResolvedOptions>;
  /** The storage this tracker merges into. */
  readonly storage: StorageAdapter;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function retryDelay(failures: number): number {
  return Math.min(30_000, 250 * 2 ** Math.min(failures - 1, 10));
}

/**
 * Creates a tracker: validates options, opens the journal (recovering a torn tail), replays
 * it into a memory storage, and starts the flush timer.
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
  const resolved = resolveOptions(options);
  const storage = options.storage ?? new MemoryStorage();
  let journal: Journal | undefined;
  if (options.journal) {
    journal = await openJournal({ onError: resolved.onError, ...options.journal });
  }
  const replayOnStart = options.replayOnStart ?? (storage instanceof MemoryStorage && journal !== undefined);
  let replayedOnStart = 0;
  if (replayOnStart && options.journal) {
    try {
      replayedOnStart = (await replayJournal(resolved, storage, { dir: options.journal.dir })).events;
    } catch (err) {
      await journal?.close();
      throw err;
    }
  }
  return new LiveTracker(resolved, storage, journal, replayedOnStart);
}

class LiveTracker implements Tracker {
  readonly options: Readonly<ResolvedOptions>;
  readonly storage: StorageAdapter;
  readonly #engine: IngestEngine;
  readonly #journal: Journal | undefined;
  readonly #replayedOnStart: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #tickQueued = false;
  #closing: Promise<void> | undefined;

  constructor(
    options: ResolvedOptions,
    storage: StorageAdapter,
    journal: Journal | undefined,
    replayed: number,
  ) {
    this.options = options;
    this.storage = storage;
    this.#journal = journal;
    this.#replayedOnStart = replayed;
    this.#engine = new IngestEngine(options, storage, journal);
    this.#schedule(options.flushIntervalMs);
  }

  track(input: unknown): TrackResult {
    if (this.#closing) throw new TrackerClosedError('track() after close(); create a new tracker');
    const batch = Array.isArray(input) ? input : [input];
    const result = this.#engine.ingest(batch, this.options.now());
    // Past maxEntries, evict early instead of waiting for the timer.
    if (!this.#tickQueued && this.#engine.cache.size > this.options.maxEntries * 1.1) {
      this.#tickQueued = true;
      setImmediate(() => void this.#tick());
    }
    return result;
  }

  async query(query: TrackerQuery): Promise<Heatmap> {
    if (this.#closing) throw new TrackerClosedError('query() after close(); create a new tracker');
    const o = this.options;
    const url = typeof query.url === 'string' ? this.#engine.pages.normalize(query.url) : undefined;
    if (url === undefined) {
      throw new QueryError(
        'INVALID_QUERY',
        'url',
        `url must be a page url or path, got ${JSON.stringify(query.url)}`,
      );
    }
    const page = pageKeyOf({ ...query, url }, o.breakpoints);
    const plan = planQuery({
      from: query.from,
      to: query.to,
      timeZone: o.timeZone,
      now: o.now(),
      maxDays: o.maxQueryDays,
    });
    const keys = keysOfPlan(page, plan);
    const series = this.#engine.cache.findSeries(
      this.#engine.pages.find(page.site, page.url),
      page.kind,
      page.bucket,
    );
    const { stored, live } = await readConsistent(this.storage, this.#engine.cache, series, keys, plan);
    return reduceHeatmap({
      stored,
      live,
      cellSize: o.cellSize,
      top: query.top,
      minCount: query.minCount,
      reach: page.kind === 'scroll',
    });
  }

  async flush(): Promise<void> {
    if (this.#closing) throw new TrackerClosedError('flush() after close()');
    await this.#flushAll();
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  handler(options?: HandlerOptions): MonkeyTrackerHandler {
    return createHandler(this, options);
  }

  get overloaded(): boolean {
    return this.#engine.overloaded;
  }

  stats(): TrackerStats {
    const engine = this.#engine;
    const counters = engine.merges.counters;
    return {
      accepted: engine.accepted,
      rejected: { ...engine.rejectedByReason },
      liveEntries: engine.cache.size,
      liveBytes: engine.cache.builderBytes + engine.cache.pendingBytes,
      pendingMerges: engine.cache.pendingDeltas,
      merges: counters.merges,
      mergeErrors: counters.mergeErrors,
      mergeUnknownKeys: counters.unknownKeys,
      lastMergeError: counters.lastError?.message,
      overloaded: engine.overloaded,
      replayedOnStart: this.#replayedOnStart,
      journal: this.#journal?.stats(),
    };
  }

  async #flushAll(): Promise<void> {
    await this.#journal?.flush();
    const engine = this.#engine;
    engine.cache.cut();
    const deadline = Date.now() + this.options.flushTimeoutMs;
    for (let failures = 1; !(await engine.merges.run()); failures++) {
      if (Date.now() >= deadline) {
        throw new FlushIncompleteError(
          `${engine.cache.pendingDeltas} live deltas could not be merged into storage within ${this.options.flushTimeoutMs} ms (${engine.merges.counters.lastError?.message ?? 'unknown error'}); they stay queued${this.#journal ? ' and are in the journal' : ''}`,
          engine.cache.pendingDeltas,
          { cause: engine.merges.counters.lastError },
        );
      }
      await sleep(retryDelay(failures));
    }
    engine.cache.sweep(this.options.now(), this.options.idleMs, this.options.maxEntries);
  }

  async #close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    let failure: unknown;
    try {
      await this.#flushAll();
    } catch (err) {
      failure = err;
    }
    try {
      await this.#journal?.close();
    } catch (err) {
      failure ??= err;
    }
    await this.storage.close();
    if (failure) throw failure;
  }

  #schedule(delayMs: number): void {
    if (this.#closing) return;
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
    this.#timer.unref?.();
  }

  async #tick(): Promise<void> {
    this.#tickQueued = false;
    if (this.#closing) return;
    if (this.#timer) clearTimeout(this.#timer);
    const o = this.options;
    const engine = this.#engine;
    try {
      engine.cache.cut();
      const ok = await engine.merges.run();
      this.#failures = ok ? 0 : this.#failures + 1;
      engine.cache.sweep(o.now(), o.idleMs, o.maxEntries);
      if (ok && engine.cache.pendingDeltas > 0) await engine.merges.run(); // LRU victims just cut
    } catch (err) {
      this.#failures++;
      o.onError(err instanceof Error ? err : new Error(String(err)));
    }
    this.#schedule(
      this.#failures > 0 ? Math.min(o.flushIntervalMs, retryDelay(this.#failures)) : o.flushIntervalMs,
    );
  }
}
