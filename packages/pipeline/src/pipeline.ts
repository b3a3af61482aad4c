import { randomBytes } from 'node:crypto';
import type { EventKind, HeatEvent, IndexKey } from '@monkeytracker/grid';
import { type Journal, type JournalFrame, readJournalFrames } from '@monkeytracker/journal';
import {
  type AnyHeatmapQuery,
  type HeatmapOf,
  InvalidQueryError,
  type LivePart,
  type LiveSource,
  listPages,
  type PageKey,
  type PageList,
  type PagesQuery,
  queryHeatmap,
} from '@monkeytracker/query';
import { type StorageAdapter, StorageUnavailableError } from '@monkeytracker/storage';
import { FlushIncompleteError, TrackerOptionError } from './errors';
import { IngestPath, type TrackRejectReason, type TrackResult } from './ingest/ingest-path';
import { ElementBudget } from './live/element-budget';
import { LiveCache } from './live/live-cache';
import { PageBudget } from './live/page-budget';
import { PageDirectory } from './live/page-directory';
import { withDeadline } from './merge/deadline';
import { MergeScheduler } from './merge/merge-scheduler';
import { type FlushOutcome, type FlushPolicy, realTimer, retryDelay, type Timer } from './merge/retry-policy';
import type { PipelineEvent } from './pipeline-events';
import {
  type AggregationOptions,
  type CacheOptions,
  type ResolvedOptions,
  resolveOptions,
} from './pipeline-options';
import { type ReplayProgress, replayFrames } from './recovery/replay-frames';

/** Options of {@link Pipeline}. */
export interface PipelineOptions extends AggregationOptions {
  /** Where indexes are merged. */
  storage: StorageAdapter;
  /** The open journal events are appended to (live tracking); absent for replays and journal-less trackers. */
  journal?: Journal;
  /** The writer id merges carry. Default: the journal's, else a random id for this process. */
  writer?: string;
  /**
   * The journal position the live side starts from: where a recovery or replay begins reading
   * (a checkpoint, or 0). Default: the journal's current position (nothing to recover).
   */
  startPosition?: number;
  /**
   * What `track` does while the journal cannot write or fsync (a full or failing disk):
   * `'refuse'` (default) refuses new events with reason `'journal'`, so only what was taken in
   * the last `fsyncMs` before the failure waits unwritten; `'continue'` keeps counting them live,
   * merged once the journal writes again — a crash before then loses them, and events the journal
   * could not buffer are never in it (a replay lacks them; counted in `stats().unjournaled`).
   */
  journalFailure?: JournalFailurePolicy;
  cache?: CacheOptions;
  /** Longest query range in days. Default 400. */
  maxQueryDays?: number;
  /**
   * Longest a query waits for storage: past it the query fails with `STORAGE_UNAVAILABLE` (HTTP
   * 503) instead of hanging on a database that stopped answering. Default 5,000 ms.
   */
  queryTimeoutMs?: number;
  /** The event clock (stamps events without `t`, decides "today"). Default `Date.now`. */
  now?: () => number;
  /** The clock retries wait on. Default: `performance.now` and `setTimeout`. */
  timer?: Timer;
  /** Background errors (failed merges, checkpoint writes). */
  onError?: (error: Error) => void;
  /** What the pipeline does, as it does it: merges and recovery (for metrics and logs). */
  onEvent?: (event: PipelineEvent) => void;
}

/** See {@link PipelineOptions.journalFailure}. */
export type JournalFailurePolicy = 'refuse' | 'continue';

/** Counters of a pipeline, for stats and health. */
export interface PipelineStats {
  /** Events counted. */
  accepted: number;
  /** Refused events by reason (`'x'`, `'url'`, `'overloaded'`, …). */
  rejected: Partial<Record<TrackRejectReason, number>>;
  /** Live (page, kind, bucket, day) entries. */
  liveEntries: number;
  /** Pages the live side holds. */
  livePages: number;
  /** Bytes of live builders, unmerged deltas and the page directory. */
  liveBytes: number;
  /** Deltas cut from the live cache and not yet confirmed by storage. */
  pendingMerges: number;
  /** Successful and failed `storage.merge` calls. */
  merges: number;
  mergeErrors: number;
  /** Deltas storage already held when they were sent (retries after unknown outcomes, recovery). */
  skippedMerges: number;
  /** The code of the last merge error (`'STORAGE_UNAVAILABLE'`, …); its message, which may name hosts, goes to `onError` only. */
  lastMergeError: string | undefined;
  /** Duration of the last successful merge call, ms. */
  lastMergeMs: number;
  /** Events counted live that the journal could not take (`journalFailure: 'continue'` only). */
  unjournaled: number;
  /**
   * Clicks counted in their page grid but not in the element index: their page had already
   * admitted `maxElementsPerPageDay` distinct elements that day.
   */
  elementsOverBudget: number;
  /** Whether new events are refused because storage or the journal is behind. */
  overloaded: boolean;
  /**
   * One word for `/health`: `'overloaded'` (events refused), `'degraded'` (merges or the journal
   * failing: events still taken, held in memory and the journal), else `'ok'`.
   */
  health: 'ok' | 'degraded' | 'overloaded';
  /** Why the health is not `ok`, by code (e.g. `'merges failing: STORAGE_UNAVAILABLE'`). */
  healthReasons: string[];
  /** The journal position up to which storage has confirmed everything (recovery starts there). */
  confirmedPosition: number;
}

/**
 * The streaming core: validate → normalize → journal → live builders → cut → merge → settle,
 * the one path of live tracking, recovery and replay, plus the consistent read (the pipeline is
 * the {@link LiveSource} of `queryHeatmap`). It has no timers of its own: the facade calls
 * {@link Pipeline.tick} on its schedule, and retries wait on the injected {@link Timer}.
 *
 * Exactly once: a cut turns every live builder into deltas at one journal position, recorded in
 * the journal; the journal is flushed before the deltas are merged; storage applies each
 * (key, writer, position) at most once. A restart re-reads the journal from the checkpoint and
 * cuts where the writer cut, so it re-sends exactly the deltas storage may lack.
 */
export class Pipeline implements LiveSource {
  readonly writer: string;
  readonly options: Readonly<ResolvedOptions>;
  readonly storage: StorageAdapter;
  readonly journal: Journal | undefined;
  /** The clock flush deadlines are measured on (`flush({ until: pipeline.timer.now() + ms })`). */
  readonly timer: Timer;
  readonly #now: () => number;
  readonly #start: number;
  readonly #onError: (error: Error) => void;
  readonly #onEvent: (event: PipelineEvent) => void;
  readonly #pages: PageDirectory;
  readonly #budget: PageBudget;
  readonly #elements: ElementBudget;
  readonly #cache: LiveCache;
  readonly #ingest: IngestPath;
  readonly #merges: MergeScheduler;
  /** The next position without a journal: events counted so far. */
  #counter = 0;
  #failures = 0;
  #confirmed: number;
  #checkpointing: Promise<void> | undefined;
  readonly #journalFailure: JournalFailurePolicy;

  constructor(options: PipelineOptions) {
    this.options = resolveOptions(options);
    this.storage = options.storage;
    this.journal = options.journal;
    this.writer = options.writer ?? options.journal?.writerId ?? `p${randomBytes(8).toString('hex')}`;
    this.#now = options.now ?? Date.now;
    this.timer = options.timer ?? realTimer;
    this.#onError = options.onError ?? (() => {});
    this.#onEvent = options.onEvent ?? (() => {});
    const policy = options.journalFailure ?? 'refuse';
    if (policy !== 'refuse' && policy !== 'continue')
      throw new TrackerOptionError(
        `journal failure policy must be 'refuse' or 'continue', got ${String(policy)}`,
      );
    this.#journalFailure = policy;
    this.#pages = new PageDirectory(this.options.urls, this.options.sites);
    this.#budget = new PageBudget(this.options.maxPagesPerSiteDay);
    const start = options.startPosition ?? options.journal?.position ?? 0;
    this.#start = start;
    this.#counter = start;
    this.#confirmed = start;
    this.#elements = new ElementBudget(this.options.maxElementsPerPageDay);
    this.#cache = new LiveCache(this.options, this.#pages, start, this.#elements);
    this.#ingest = new IngestPath(this.options.validation, this.#pages, this.#budget, this.#cache);
    this.#merges = new MergeScheduler(
      this.storage,
      this.#cache,
      this.writer,
      this.options.maxKeysPerMerge,
      this.options.mergeTimeoutMs,
      this.#onError,
      this.#onEvent,
    );
  }

  /** The journal position the next event gets. */
  get position(): number {
    return this.journal ? this.journal.position : this.#counter;
  }

  /** True when live counts, unmerged deltas and pages exceed `maxPendingBytes`: new events are refused. */
  get overloaded(): boolean {
    return this.#heldBytes() > this.options.maxPendingBytes;
  }

  /**
   * Why `track` refuses every new event right now, if it does: `'overloaded'` (live state past
   * `maxPendingBytes`) or `'journal'` (the journal is failing and `journalFailure` is `'refuse'`).
   */
  get refusing(): 'overloaded' | 'journal' | undefined {
    if (this.overloaded) return 'overloaded';
    if (this.#journalFailure === 'refuse' && this.journal?.failing) return 'journal';
    return undefined;
  }

  /** True when the live cache has grown past `maxEntries` enough that a tick should not wait for its timer. */
  get needsTick(): boolean {
    return this.#cache.size > this.options.maxEntries * 1.1;
  }

  /** How long until the next tick: the flush interval, or the retry backoff after failures. */
  get nextTickMs(): number {
    const interval = this.options.flushIntervalMs;
    return this.#failures > 0 ? Math.min(interval, retryDelay(this.#failures)) : interval;
  }

  /**
   * Validates and counts events, synchronously: journal buffer + live index. Valid events are
   * kept even when others in the batch are rejected; past `maxPendingBytes` the whole batch is
   * refused as `'overloaded'`, and while the journal fails as `'journal'` (see
   * {@link PipelineOptions.journalFailure}).
   */
  track(inputs: readonly unknown[]): TrackResult {
    const refusing = this.refusing;
    if (refusing) return this.#ingest.refuse(inputs.length, refusing);
    const result = this.#ingest.ingest(
      inputs,
      this.#now(),
      this.journal,
      this.#journalFailure === 'continue',
    );
    if (!this.journal) this.#counter += result.accepted;
    return result;
  }

  /** {@link LiveSource}: the live parts of `keys` of `page`, synchronously. */
  snapshot(page: PageKey, keys: readonly IndexKey[]): LivePart[][] {
    const series = this.#cache.findSeries(this.#pages.find(page.site, page.url), page.kind, page.bucket);
    return this.#cache.snapshot(series, keys);
  }

  /** {@link LiveSource}: the (url, bucket) series of `site` with live counts of `kind`. */
  livePages(site: string, kind: EventKind): { url: string; bucket: number }[] {
    const out: { url: string; bucket: number }[] = [];
    const buckets = this.options.breakpoints.length;
    for (const page of this.#pages.pagesOf(site)) {
      for (let bucket = 0; bucket < buckets; bucket++) {
        const series = this.#cache.findSeries(page, kind, bucket);
        if (series !== undefined && series.days.size > 0) out.push({ url: page.url, bucket });
      }
    }
    return out;
  }

  /** The busiest pages of a site in a range, with counts per bucket: stored totals plus live, never twice. */
  pages(query: PagesQuery): Promise<PageList> {
    const o = this.options;
    const site = query.site ?? (o.sites?.length === 1 ? o.sites[0]!.id : undefined);
    if (site === undefined && o.sites !== undefined && o.sites.length > 0) {
      throw new InvalidQueryError(
        `site is required with several sites (${o.sites.map((s) => s.id).join(', ')})`,
        { field: 'site' },
      );
    }
    return withDeadline(
      listPages(
        this.storage,
        { ...query, site },
        { live: this, timeZone: o.timeZone, now: this.#now(), maxDays: o.maxQueryDays },
      ),
      o.queryTimeoutMs,
      () =>
        new StorageUnavailableError(
          `storage did not answer the page list within ${o.queryTimeoutMs} ms (queryTimeoutMs)`,
        ),
    );
  }

  /** A heatmap of one page over a range of days: stored indexes plus live deltas, never counted twice. */
  query<Q extends AnyHeatmapQuery>(query: Q): Promise<HeatmapOf<Q>> {
    const located = typeof query.url === 'string' ? this.#pages.locate(query.url) : undefined;
    if (located === undefined) {
      throw new InvalidQueryError(`url must be a page url or path, got ${JSON.stringify(query.url)}`, {
        field: 'url',
      });
    }
    const o = this.options;
    const site = query.site ?? located.site;
    if (site === undefined && o.sites !== undefined && o.sites.length > 0) {
      throw new InvalidQueryError(
        `site is required with several sites (${o.sites.map((s) => s.id).join(', ')}), or give the url with its host`,
        { field: 'site' },
      );
    }
    return withDeadline(
      queryHeatmap(
        this.storage,
        { ...(query as AnyHeatmapQuery), url: located.page, site },
        {
          live: this,
          timeZone: o.timeZone,
          now: this.#now(),
          grid: { cellSize: o.cellSize, breakpoints: o.breakpoints },
          maxDays: o.maxQueryDays,
        },
      ),
      o.queryTimeoutMs,
      () =>
        new StorageUnavailableError(
          `storage did not answer the query within ${o.queryTimeoutMs} ms (queryTimeoutMs)`,
        ),
    ) as Promise<HeatmapOf<Q>>;
  }

  /**
   * One housekeeping step, on the facade's timer: cut every builder at the current position,
   * make the journal durable up to the cut, merge every pending delta, drop idle entries, and
   * advance the checkpoint. Resolves `true` when storage confirmed everything; a failure is
   * reported to `onError` and retried on the next tick (see {@link Pipeline.nextTickMs}).
   */
  async tick(): Promise<boolean> {
    let ok = false;
    try {
      this.#cut();
      await this.journal?.flush();
      ok = await this.#merges.run();
    } catch (err) {
      this.#onError(err instanceof Error ? err : new Error(String(err)));
    }
    this.#failures = ok ? 0 : this.#failures + 1;
    this.#cache.sweep(this.#now(), this.options.idleMs, this.options.maxEntries);
    if (ok) this.#advanceCheckpoint();
    return ok;
  }

  /**
   * Cuts every builder, makes the journal durable, and merges until storage confirmed every
   * delta: `{ until }` retries failures until that deadline (on the timer) and then throws
   * `FLUSH_INCOMPLETE`; `{ bestEffort: true }` tries once. A journal that cannot write rejects:
   * merging deltas the journal does not hold would break recovery.
   */
  async flush(policy: FlushPolicy): Promise<FlushOutcome> {
    this.#cut();
    await this.journal?.flush();
    const outcome = await this.#mergeUntil(policy);
    this.#cache.sweep(this.#now(), this.options.idleMs, this.options.maxEntries);
    if (outcome.complete) {
      this.#advanceCheckpoint();
      await this.#checkpointing;
    }
    return outcome;
  }

  /**
   * Feeds journal frames through the ingest path (without appending them again), cutting where
   * the writer cut: recovery of this pipeline's own unconfirmed tail at start, or a replay of a
   * journal into other storage. Deltas are merged as memory requires; call
   * {@link Pipeline.flush} afterwards for the rest.
   */
  async replay(
    frames: AsyncIterable<JournalFrame>,
    options: {
      maxHeldBytes?: number;
      onProgress?: (p: ReplayProgress) => void;
      /**
       * Also cut the events after the journal's last recorded cut, at its end. Only for a writer
       * that will not run again (or other storage): a live writer cuts its tail itself, and
       * merging it here too would count it twice in that writer's storage. Default false.
       */
      cutTail?: boolean;
    } = {},
  ): Promise<{ events: number; position: number }> {
    const cache = this.#cache;
    const ingest = this.#ingest;
    const timeout = this.options.flushTimeoutMs;
    const result = await replayFrames(
      frames,
      {
        ingestReplayed: (events: HeatEvent[]) => {
          ingest.ingest(events, this.#now(), undefined);
        },
        cutAt: (position) => {
          if (position > cache.lastCut) cache.cut(position);
        },
        get heldBytes() {
          return cache.pendingBytes + cache.builderBytes;
        },
        drain: async () => {
          await this.#mergeUntil({ until: this.timer.now() + timeout });
          cache.sweep(this.#now(), 0, 0);
        },
      },
      {
        maxHeldBytes: options.maxHeldBytes ?? Math.floor(this.options.maxPendingBytes / 4),
        onProgress: options.onProgress,
      },
    );
    if (options.cutTail && result.position > cache.lastCut) cache.cut(result.position);
    // Without a journal, a later flush cuts at the counter: never below what was replayed.
    if (!this.journal) this.#counter = Math.max(this.#counter, cache.lastCut);
    return result;
  }

  /** Events counted in the builders since the last cut (what a replay without `cutTail` leaves unmerged). */
  get uncutEvents(): number {
    return this.#cache.uncutEvents();
  }

  /**
   * Recovery at start: re-aggregates this writer's journal from `startPosition` (see
   * {@link recoveryStart}) to its end through the same path, cutting where the previous process
   * cut. The recovered deltas are then merged by the next ticks like any live delta, exactly once;
   * events after the last recorded cut stay in the builders and are cut with new traffic.
   */
  async recover(
    options: { onProgress?: (p: ReplayProgress) => void } = {},
  ): Promise<{ events: number; position: number }> {
    const journal = this.journal;
    if (!journal || this.#start >= journal.position) return { events: 0, position: this.position };
    const started = performance.now();
    const span = { fromPosition: this.#start, toPosition: journal.position };
    this.#onEvent({ type: 'recovery', phase: 'start', ...span, events: 0, ms: 0 });
    const result = await this.replay(
      readJournalFrames({ dir: journal.dir, fromPosition: this.#start }),
      options,
    );
    this.#onEvent({
      type: 'recovery',
      phase: 'done',
      ...span,
      events: result.events,
      ms: performance.now() - started,
    });
    return result;
  }

  /** Counters for dashboards, health and alerts. */
  stats(): PipelineStats {
    const c = this.#merges.counters;
    const reasons: string[] = [];
    const refusing = this.refusing;
    if (refusing === 'overloaded')
      reasons.push(`live state past cache.maxPendingBytes (${this.options.maxPendingBytes} bytes)`);
    if (this.#failures > 0 && c.lastError) reasons.push(`merges failing: ${errorCodeOf(c.lastError)}`);
    const journal = this.journal?.stats();
    if (journal?.failing)
      reasons.push(
        `journal failing: JOURNAL_WRITE_FAILED, ${journal.pendingEvents} events unwritten, ${refusing === 'journal' ? 'new events refused' : 'new events counted live only'}`,
      );
    return {
      accepted: this.#ingest.accepted,
      unjournaled: this.#ingest.unjournaled,
      elementsOverBudget: this.#elements.refused,
      rejected: { ...this.#ingest.rejectedByReason },
      liveEntries: this.#cache.size,
      livePages: this.#pages.size,
      liveBytes: this.#heldBytes(),
      pendingMerges: this.#cache.pendingDeltas,
      merges: c.merges,
      mergeErrors: c.mergeErrors,
      skippedMerges: c.skipped,
      lastMergeError: c.lastError ? errorCodeOf(c.lastError) : undefined,
      lastMergeMs: c.lastMergeMs,
      overloaded: refusing !== undefined,
      health: refusing ? 'overloaded' : reasons.length > 0 ? 'degraded' : 'ok',
      healthReasons: reasons,
      confirmedPosition: this.#confirmed,
    };
  }

  #heldBytes(): number {
    return (
      this.#cache.pendingBytes +
      this.#cache.builderBytes +
      this.#pages.bytes +
      this.#budget.bytes +
      this.#elements.bytes
    );
  }

  /** Cuts every builder at the current position (recorded in the journal, when there is one). */
  #cut(): void {
    const position = this.journal ? this.journal.cut() : this.#counter;
    if (position > this.#cache.lastCut) this.#cache.cut(position);
  }

  async #mergeUntil(policy: FlushPolicy): Promise<FlushOutcome> {
    let merged = this.#merges.counters.merges;
    for (let failures = 1; ; failures++) {
      // A merge that hangs must not hold a deadline: the flush gives up on time, the merge goes on.
      const complete =
        'until' in policy
          ? await withDeadline(
              this.#merges.run(),
              policy.until - this.timer.now(),
              () => new DeadlineError(),
            ).catch((err: unknown) => {
              if (err instanceof DeadlineError) return false;
              throw err;
            })
          : await this.#merges.run();
      const pendingDeltas = this.#cache.pendingDeltas;
      if (complete || 'bestEffort' in policy) return { complete, pendingDeltas };
      const left = policy.until - this.timer.now();
      if (left <= 0) {
        const error = this.#merges.counters.lastError;
        throw new FlushIncompleteError(
          `${pendingDeltas} live deltas could not be merged into storage in time (${error?.message ?? 'unknown error'}); they stay queued${this.journal ? ' and are in the journal' : ''}`,
          { pendingDeltas, cause: error },
        );
      }
      // A cycle that confirmed some keys made progress: back off from the start, not further (with
      // many merge calls per cycle, one flaky call in each would otherwise reach 30 s waits).
      if (this.#merges.counters.merges > merged) failures = 1;
      merged = this.#merges.counters.merges;
      await this.timer.sleep(Math.min(left, retryDelay(failures)));
    }
  }

  /** Saves the position before which storage confirmed everything, when it moved (one write at a time). */
  #advanceCheckpoint(): void {
    const confirmed = this.#cache.oldestPendingFrom() ?? this.#cache.lastCut;
    if (confirmed <= this.#confirmed) return;
    this.#confirmed = confirmed;
    const journal = this.journal;
    if (!journal || this.#checkpointing) return;
    this.#checkpointing = (async () => {
      let saved = -1;
      try {
        while (saved < this.#confirmed) {
          saved = this.#confirmed;
          await journal.saveCheckpoint(saved);
        }
      } catch (err) {
        this.#onError(err instanceof Error ? err : new Error(String(err)));
      } finally {
        this.#checkpointing = undefined;
      }
    })();
  }
}

/**
 * Where recovery starts reading a writer's journal: on storage that is not durable (memory),
 * at 0 — everything is replayed; on durable storage, at the checkpoint (0 without one: a full,
 * idempotent replay). A writer id created by this open means storage holds nothing of this
 * writer: events already in the directory predate writer ids (merged without marks) and are
 * left alone.
 */
export function recoveryStart(journal: Journal, storage: StorageAdapter): number {
  if (storage.capabilities?.durable !== true) return 0;
  if (journal.writerCreated) return journal.position;
  return Math.min(journal.checkpoint ?? 0, journal.position);
}

/** Internal: a flush deadline passed while a merge was in flight. */
class DeadlineError extends Error {}

/** The code of an error, for stats that must not carry messages (hosts, connection strings). */
function errorCodeOf(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}
