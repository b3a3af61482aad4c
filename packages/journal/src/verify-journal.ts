/**
 * `verifyJournal`: check every frame of a journal, every block and summary of its sealed
 * segments, and report what is damaged.
 */
import { JournalOptionError } from './errors';
import { type CorruptionEntry, walkSegments } from './walk-segments';

/** One segment in a {@link VerifyReport}. */
export interface SegmentReport {
  file: string;
  sealed: boolean;
  /** Size of the file on disk (compressed for sealed segments). */
  fileBytes: number;
  /** Size of its frames, decompressed. */
  rawBytes: number;
  frames: number;
  events: number;
  corruptFrames: number;
  skippedBytes: number;
}

/** What {@link verifyJournal} found. */
export interface VerifyReport {
  segments: SegmentReport[];
  frames: number;
  events: number;
  /**
   * Corrupt ranges found (each a bad frame, a run of garbage, damaged gzip data, a damaged or
   * missing block, a damaged or wrong summary, or damaged gzip framing).
   */
  corruptFrames: number;
  /** Raw bytes in those ranges. */
  skippedBytes: number;
  /** Events known to be lost in damaged blocks of sealed segments (other damage is counted in bytes). */
  eventsLost: number;
  /** Bytes of an incomplete last frame in the newest raw segment (a write in progress, or a crash not yet recovered). */
  tailBytes: number;
  /** Every corrupt range: segment file, offset, bytes, reason. */
  corruptions: CorruptionEntry[];
  /** True when nothing is corrupt. */
  ok: boolean;
}

/**
 * Reads and decodes every frame of the journal in `dir` and reports segments, frames, events,
 * and each corrupt range (file, offset, bytes skipped). Checks each sealed segment's summary
 * and block records against its content: a summary that disagrees is corruption (`'summary'`),
 * since range reads would otherwise trust it. Never throws on corruption.
 *
 * @example
 * ```ts
 * const report = await verifyJournal({ dir: './data/journal' });
 * if (!report.ok) console.warn(report.corruptions);
 * ```
 */
export async function verifyJournal(options: { dir: string }): Promise<VerifyReport> {
  if (typeof options?.dir !== 'string' || options.dir.length === 0) {
    throw new JournalOptionError('verifyJournal needs { dir }: the journal directory to check');
  }
  const report: VerifyReport = {
    segments: [],
    frames: 0,
    events: 0,
    corruptFrames: 0,
    skippedBytes: 0,
    eventsLost: 0,
    tailBytes: 0,
    corruptions: [],
    ok: true,
  };
  let current: SegmentReport | null = null;
  const pendingCorrupt: CorruptionEntry[] = [];
  for await (const item of walkSegments(options.dir, {
    from: Number.NEGATIVE_INFINITY,
    to: Number.POSITIVE_INFINITY,
  })) {
    switch (item.type) {
      case 'segment':
        current = {
          file: item.seg.file,
          sealed: item.seg.sealed,
          fileBytes: item.fileBytes,
          rawBytes: item.rawBytes,
          frames: 0,
          events: 0,
          corruptFrames: 0,
          skippedBytes: 0,
        };
        report.segments.push(current);
        // A gzip error is reported before its segment's entry exists.
        for (const entry of pendingCorrupt.splice(0)) {
          current.corruptFrames++;
          current.skippedBytes += entry.bytes;
        }
        break;
      case 'batch':
        report.frames++;
        report.events += item.total;
        if (current) {
          current.frames++;
          current.events += item.total;
        }
        break;
      case 'corrupt':
        report.corruptions.push(item.entry);
        report.corruptFrames++;
        report.skippedBytes += item.entry.bytes;
        report.eventsLost += item.entry.events ?? 0;
        if (current && current.file === item.entry.file) {
          current.corruptFrames++;
          current.skippedBytes += item.entry.bytes;
        } else pendingCorrupt.push(item.entry);
        break;
      case 'tail':
        report.tailBytes += item.bytes;
        break;
    }
  }
  report.ok = report.corruptFrames === 0;
  return report;
}
