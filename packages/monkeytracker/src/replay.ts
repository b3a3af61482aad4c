import { lockOwner, readJournalFrames, readWriterId } from '@monkeytracker/journal';
import { type AggregationOptions, Pipeline, TrackerOptionError } from '@monkeytracker/pipeline';
import type { StorageAdapter } from '@monkeytracker/storage';

/** Progress of a replay, reported after every batch. */
export interface ReplayProgress {
  /** Events read from the journal so far. */
  events: number;
  /** Events counted into indexes (the rest were rejected by today's validation or url rules). */
  accepted: number;
  /** Segments opened so far, and their bytes on disk (compressed when sealed). */
  segments: number;
  bytes: number;
  /** Bytes of corrupt journal data skipped so far. */
  skippedBytes: number;
  /** Milliseconds since the replay started. */
  elapsedMs: number;
}

/** Options of {@link replay}. */
export interface ReplayOptions extends AggregationOptions {
  journal: { dir: string };
  /** Where the rebuilt indexes are merged, e.g. a fresh MongoDB collection. */
  storage: StorageAdapter;
  /** Only events with `t >= from` (epoch ms or Date). */
  from?: number | Date;
  /** Only events with `t < to` (epoch ms or Date). */
  to?: number | Date;
  /**
   * The writer id the replayed deltas carry. Default: the journal's own (its `WRITER` file), so
   * deltas that storage already holds from that writer are skipped: a replay is safe to repeat.
   */
  writer?: string;
  onProgress?: (progress: ReplayProgress) => void;
  /** Bytes of live state between merges into storage, which bounds memory. Default 256 MiB. */
  maxHeldBytes?: number;
  /** How long the final merge retries a failing storage. Default 30,000 ms. */
  flushTimeoutMs?: number;
}

/** What a replay did. */
export interface ReplayResult {
  events: number;
  /** Journal segments read. */
  segments: number;
  /** Bytes of segment files read (compressed when sealed). */
  bytes: number;
  accepted: number;
  rejected: number;
  /** Corrupt journal ranges skipped (see `verifyJournal` for where). */
  corruptRanges: number;
  skippedBytes: number;
  /** The writer id the deltas carried. */
  writer: string;
  /** Deltas storage already held (from this writer) and skipped. */
  skippedDeltas: number;
  /**
   * Events after the journal's last cut left unmerged because a live process holds the journal:
   * they are that writer's to merge (merging them here too would count them twice).
   */
  leftToWriter: number;
  elapsedMs: number;
}

/**
 * Rebuilds indexes from a journal: every event goes through the same validate → aggregate →
 * merge path as live tracking, cut where the live tracker cut, into the given storage. A changed
 * grid, time zone or url template takes effect by replaying into fresh storage; replaying into
 * storage that already holds some of the writer's deltas applies only what is missing.
 *
 * @example
 * ```ts
 * const fresh = new MongoStorage({ uri, db: 'heatmaps', collection: 'indexes_v2' });
 * const result = await replay({ journal: { dir: './data/journal' }, storage: fresh, grid: { cellSize: 8 } });
 * console.log(`${result.accepted} of ${result.events} events replayed`);
 * ```
 */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const dir = options?.journal?.dir;
  if (!dir) throw new TrackerOptionError('replay needs journal: { dir }');
  if (!options.storage) throw new TrackerOptionError('replay needs a storage to merge into');
  const started = Date.now();
  const writer = options.writer ?? (await readWriterId(dir)) ?? `replay-${Date.now().toString(36)}`;
  const live = await lockOwner(dir);
  const { journal: _journal, storage, ...aggregation } = options;
  const pipeline = new Pipeline({
    ...aggregation,
    storage,
    writer,
    startPosition: 0,
    // A replay holds live state only between its merges (maxHeldBytes), never refuses events.
    cache: { maxPendingBytes: Number.MAX_SAFE_INTEGER, flushTimeoutMs: options.flushTimeoutMs },
  });
  let segments = 0;
  let bytes = 0;
  let corruptRanges = 0;
  let skippedBytes = 0;
  const frames = readJournalFrames({
    dir,
    from: options.from,
    to: options.to,
    onSegment: (segment) => {
      segments++;
      bytes += segment.fileBytes;
    },
    onCorruption: (entry) => {
      corruptRanges++;
      skippedBytes += entry.bytes;
    },
  });
  const { events } = await pipeline.replay(frames, {
    maxHeldBytes: options.maxHeldBytes ?? 256 * 2 ** 20,
    cutTail: live === null,
    onProgress: (p) =>
      options.onProgress?.({
        events: p.events,
        accepted: pipeline.stats().accepted,
        segments,
        bytes,
        skippedBytes,
        elapsedMs: Date.now() - started,
      }),
  });
  const leftToWriter = pipeline.uncutEvents;
  await pipeline.flush({ until: pipeline.timer.now() + pipeline.options.flushTimeoutMs });
  const stats = pipeline.stats();
  return {
    events,
    segments,
    bytes,
    accepted: stats.accepted,
    rejected: events - stats.accepted,
    corruptRanges,
    skippedBytes,
    writer,
    skippedDeltas: stats.skippedMerges,
    leftToWriter,
    elapsedMs: Date.now() - started,
  };
}
