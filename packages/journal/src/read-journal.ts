/** `readJournal`: replay a journal directory as batches of events, in append order. */
import type { HeatEvent } from '@monkeytracker/grid';
import { JournalCorruptionError, JournalOptionError } from './errors';
import { type CorruptionEntry, walkSegments } from './walk-segments';

/** Options of {@link readJournal}. */
export interface ReadJournalOptions {
  /** The journal directory. */
  dir: string;
  /** Only events with `t >= from` (epoch ms or Date). Default: no lower bound. */
  from?: number | Date;
  /** Only events with `t < to` (epoch ms or Date, exclusive). Default: no upper bound. */
  to?: number | Date;
  /** Throw {@link JournalCorruptionError} at the first corrupt frame instead of skipping it. Default false. */
  strict?: boolean;
  /** Called for every corrupt range skipped (non-strict mode). */
  onCorruption?: (entry: CorruptionEntry) => void;
  /** Called as each segment is opened, before its events are yielded (for progress reports). */
  onSegment?: (segment: { file: string; fileBytes: number; rawBytes: number }) => void;
  /** Only events at or after this journal position (see `Journal.position`). Default 0. */
  fromPosition?: number;
}

/** One frame of the journal as {@link readJournalFrames} yields it. */
export interface JournalFrame {
  /** The frame's events within the time and position range, in append order. */
  events: HeatEvent[];
  /** Positions of the frame's events, in range or not: `[start, end)`. */
  start: number;
  end: number;
  /** The writer cut its live indexes into deltas after this frame, at position `end`. */
  cut: boolean;
}

/** Turns a `from`/`to` option into epoch ms. */
export function toEpochMs(name: string, value: number | Date | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || Number.isNaN(ms)) {
    throw new JournalOptionError(
      `option ${name} must be epoch milliseconds or a valid Date, got ${String(value)}`,
    );
  }
  return ms;
}

/**
 * Replays the journal in `dir`: yields arrays of events in append order (one array per stored
 * frame, so a yielded batch may join several appended batches). Reads sealed and raw segments,
 * including the one a live writer is filling, up to its last complete frame.
 *
 * `from`/`to` filter by event time `t`. Because `t` comes from clients, a segment's name (its
 * server-side start time) says nothing safe about the `t` it holds, so segments are never
 * skipped by name; instead a sealed segment is skipped when the `t` range (or positions, for
 * `fromPosition`) of its checksummed summary lies outside the range, a block when its checksummed
 * record does, and a frame is skipped without decoding when its recorded `t` range does. A
 * summary nothing checks (segments sealed by earlier versions) never skips anything: such a
 * segment is read whole, so no range read loses events to a damaged or edited summary.
 *
 * Corrupt frames are skipped (resyncing on the next frame) and passed to `onCorruption`; with
 * `strict: true` the first one throws {@link JournalCorruptionError} instead.
 *
 * @example
 * ```ts
 * for await (const batch of readJournal({ dir: './data/journal', from: Date.parse('2024-06-01') })) {
 *   for (const event of batch) index.add(event);
 * }
 * ```
 */
export async function* readJournal(
  options: ReadJournalOptions,
): AsyncGenerator<HeatEvent[], void, undefined> {
  for await (const frame of readJournalFrames(options)) {
    if (frame.events.length > 0) yield frame.events;
  }
}

/**
 * {@link readJournal} frame by frame, with each frame's positions and whether the writer cut
 * after it: what a replay needs to cut its deltas where the live tracker cut, so merges of the
 * replayed deltas are exactly once. Frames outside the range are still yielded (without events)
 * when they carry a cut.
 */
export async function* readJournalFrames(
  options: ReadJournalOptions,
): AsyncGenerator<JournalFrame, void, undefined> {
  if (typeof options?.dir !== 'string' || options.dir.length === 0) {
    throw new JournalOptionError('readJournal needs { dir }: the journal directory to read');
  }
  const from = toEpochMs('from', options.from, Number.NEGATIVE_INFINITY);
  const to = toEpochMs('to', options.to, Number.POSITIVE_INFINITY);
  const fromPosition = options.fromPosition ?? 0;
  if (!Number.isSafeInteger(fromPosition) || fromPosition < 0) {
    throw new JournalOptionError(
      `option fromPosition must be a journal position ≥ 0, got ${String(fromPosition)}`,
    );
  }
  for await (const item of walkSegments(options.dir, { from, to, fromPosition })) {
    if (item.type === 'batch') {
      if (item.events.length > 0 || (item.cut && item.end > fromPosition)) {
        yield { events: item.events, start: item.start, end: item.end, cut: item.cut };
      }
    } else if (item.type === 'segment') {
      options.onSegment?.({ file: item.seg.file, fileBytes: item.fileBytes, rawBytes: item.rawBytes });
    } else if (item.type === 'corrupt') {
      if (options.strict) {
        throw new JournalCorruptionError(
          `${item.entry.file}: ${item.entry.message}; run verifyJournal() for a full report, or read without strict to skip it`,
        );
      }
      options.onCorruption?.(item.entry);
    }
  }
}
