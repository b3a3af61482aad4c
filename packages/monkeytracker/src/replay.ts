import type { UrlOptions } from '@monkeytracker/grid';
import { readJournal } from '@monkeytracker/journal';
import type { StorageAdapter } from '@monkeytracker/storage';
import { FlushIncompleteError, TrackerOptionError } from './errors';
import { IngestEngine } from './ingest-engine';
import { type GridOptions, type ResolvedOptions, resolveOptions } from './tracker-options';

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
export interface ReplayOptions {
  journal: { dir: string };
  /** Where the rebuilt indexes are merged, e.g. a fresh MongoDB collection. */
  storage: StorageAdapter;
  /** Only events with `t >= from` (epoch ms or Date). */
  from?: number | Date;
  /** Only events with `t < to` (epoch ms or Date). */
  to?: number | Date;
  /** Must match the tracker's, or the indexes mean something else. Default `'UTC'`. */
  timeZone?: string;
  grid?: GridOptions;
  urls?: UrlOptions;
  onProgress?: (progress: ReplayProgress) => void;
  /** Events between merges into storage, which bounds memory. Default 2,000,000. */
  mergeEvery?: number;
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
  elapsedMs: number;
}

/**
 * Rebuilds indexes from a journal: every event goes through the same validate → aggregate →
 * merge path as live tracking, into the given storage. This is the only batch path, so a
 * changed grid, time zone or url template takes effect by replaying into fresh storage.
 *
 * @example
 * ```ts
 * const fresh = new MongoStorage({ uri, db: 'heatmaps', collection: 'indexes_v2' });
 * const result = await replay({ journal: { dir: './data/journal' }, storage: fresh, grid: { cellSize: 8 } });
 * console.log(`${result.accepted} of ${result.events} events replayed`);
 * ```
 */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  if (!options?.journal?.dir) throw new TrackerOptionError('replay needs journal: { dir }');
  if (!options.storage) throw new TrackerOptionError('replay needs a storage to merge into');
  const resolved = resolveOptions({ timeZone: options.timeZone, grid: options.grid, urls: options.urls });
  return replayJournal(resolved, options.storage, { ...options, dir: options.journal.dir });
}

/** The replay loop, shared by {@link replay} and a tracker's replay on start. */
export async function replayJournal(
  options: ResolvedOptions,
  storage: StorageAdapter,
  source: {
    dir: string;
    from?: number | Date;
    to?: number | Date;
    onProgress?: (p: ReplayProgress) => void;
    mergeEvery?: number;
  },
): Promise<ReplayResult> {
  const started = Date.now();
  // A replay has its own engine: same code path, no journal, no timers; it merges in bulk.
  const engine = new IngestEngine({ ...options, maxPendingBytes: Number.MAX_SAFE_INTEGER }, storage);
  const mergeEvery = source.mergeEvery ?? 2_000_000;
  let events = 0;
  let sinceMerge = 0;
  let corruptRanges = 0;
  let segments = 0;
  let bytes = 0;
  let skippedBytes = 0;
  const mergeAll = async () => {
    engine.cache.cut();
    if (!(await engine.merges.run()) && !(await engine.merges.run())) {
      const error = engine.merges.counters.lastError;
      throw new FlushIncompleteError(
        `replay could not merge into storage: ${error?.message ?? 'unknown error'}; nothing after the last merge was stored, run the replay again into a fresh storage`,
        engine.cache.pendingDeltas,
        { cause: error },
      );
    }
    engine.cache.sweep(options.now(), 0, 0);
    sinceMerge = 0;
  };
  for await (const batch of readJournal({
    dir: source.dir,
    from: source.from,
    to: source.to,
    onSegment: (segment) => {
      segments++;
      bytes += segment.fileBytes;
    },
    onCorruption: (entry) => {
      corruptRanges++;
      skippedBytes += entry.bytes;
    },
  })) {
    engine.ingest(batch, options.now());
    events += batch.length;
    sinceMerge += batch.length;
    if (sinceMerge >= mergeEvery) await mergeAll();
    source.onProgress?.({
      events,
      accepted: engine.accepted,
      segments,
      bytes,
      skippedBytes,
      elapsedMs: Date.now() - started,
    });
  }
  await mergeAll();
  return {
    events,
    segments,
    bytes,
    accepted: engine.accepted,
    rejected: events - engine.accepted,
    corruptRanges,
    skippedBytes,
    elapsedMs: Date.now() - started,
  };
}
