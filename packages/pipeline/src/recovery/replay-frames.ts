import type { HeatEvent } from '@monkeytracker/grid';
import type { JournalFrame } from '@monkeytracker/journal';

/** Where replayed frames go: the pipeline's ingest path and cut, without the journal. */
export interface ReplaySink {
  /** Validates and counts replayed events (never appended to a journal again). */
  ingestReplayed(events: HeatEvent[]): void;
  /** Cuts the live builders at a journal position, as the writer did when it recorded the cut. */
  cutAt(position: number): void;
  /** Bytes the live cache holds: builders plus unmerged deltas. */
  readonly heldBytes: number;
  /** Merges everything cut so far into storage (throws `FLUSH_INCOMPLETE` when storage refuses). */
  drain(): Promise<void>;
}

/** Progress of a replay, reported after every frame with events. */
export interface ReplayProgress {
  /** Events read from the journal so far. */
  events: number;
  /** The journal position reached. */
  position: number;
  /** Milliseconds since the replay started. */
  elapsedMs: number;
}

/**
 * Feeds journal frames through the pipeline, cutting wherever the writer recorded a cut, so the
 * deltas merged are the very deltas the live tracker merged (or would have): storage skips the
 * ones it holds and applies the rest, exactly once. When the cache holds more than
 * `maxHeldBytes`, it also cuts at the current frame's end and drains: an extra cut between two
 * recorded ones only splits a delta storage never saw, which is still exactly once.
 */
export async function replayFrames(
  frames: AsyncIterable<JournalFrame>,
  sink: ReplaySink,
  options: { maxHeldBytes: number; onProgress?: (p: ReplayProgress) => void },
): Promise<{ events: number; position: number }> {
  const started = Date.now();
  let events = 0;
  let position = 0;
  for await (const frame of frames) {
    if (frame.events.length > 0) {
      sink.ingestReplayed(frame.events);
      events += frame.events.length;
    }
    position = frame.end;
    if (frame.cut) sink.cutAt(frame.end);
    else if (sink.heldBytes > options.maxHeldBytes) {
      sink.cutAt(frame.end);
      await sink.drain();
    }
    if (frame.events.length > 0) options.onProgress?.({ events, position, elapsedMs: Date.now() - started });
    if (frame.cut && sink.heldBytes > options.maxHeldBytes) await sink.drain();
  }
  return { events, position };
}
