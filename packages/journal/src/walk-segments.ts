/**
 * The one read path under `readJournal` and `verifyJournal`: lists the segments, loads each
 * (inflating sealed ones block by block), scans its frames, decodes the batches in range, and
 * reports every damaged range instead of stopping at it.
 *
 * Range reads skip what a checked record proves to be out of range: a block segment whose
 * summary passed its CRC, a block whose record did. A summary nothing checks (the file-name
 * summary of a legacy segment) is never used to skip, so no range read can lose events to an
 * edited or damaged summary; such segments are read whole and filtered frame by frame. And when
 * a segment is read whole, what it holds is compared with its summary and block records: a
 * mismatch is reported as corruption (reason `'summary'`).
 */
import { readFile, stat } from 'node:fs/promises';
import type { HeatEvent } from '@monkeytracker/grid';
import { BatchDecodeError, decodeEnvelope, decodeEvents } from './batch-codec';
import { type BlockRecord, type SealedSummary, sameSummary } from './block-format';
import { type BlockSegmentIssue, inflateBlock, parseBlockSegment } from './block-segment-reader';
import { scanFrames } from './frame-codec';
import { describeSummary, FrameTally } from './frame-tally';
import { errnoCode } from './fs-utils';
import { inflateLegacy } from './legacy-gzip';
import { parseLegacySummary, readSealedSummary } from './sealed-summary';
import { listSegments, RAW_EXT, SEALED_EXT, type SegmentFile } from './segment-files';

/**
 * Why a range of a segment was reported:
 * - `'checksum'`: bytes that are not a valid frame (bad magic, length or CRC-32), skipped;
 * - `'torn-tail'`: the end of a segment is not a complete frame;
 * - `'undecodable'`: a frame passed its CRC but cannot be decoded;
 * - `'gzip'`: a legacy (single-member) sealed segment stops inflating; the rest of it is lost;
 * - `'block'`: a block of a sealed segment is damaged or missing; its frames are lost;
 * - `'summary'`: a sealed segment's summary (or a block record) is damaged, missing, or
 *   disagrees with the content; no events are lost, but it is not trusted to skip anything;
 * - `'framing'`: gzip framing bytes are damaged (a member's header CRC16, a gzip trailer);
 *   the data they frame is intact and was read.
 */
export type CorruptionReason =
  | 'checksum'
  | 'torn-tail'
  | 'undecodable'
  | 'gzip'
  | 'block'
  | 'summary'
  | 'framing';

/** One corrupt range met while reading: which file, where, how much, and why. */
export interface CorruptionEntry {
  /** Segment file name. */
  file: string;
  /** Offset in the segment's raw (decompressed) bytes where the skipped range starts. */
  offset: number;
  /**
   * Raw bytes skipped (for `'gzip'`, the compressed file's size: the rest of it could not be
   * inflated; 0 for `'summary'` and `'framing'`, which lose nothing).
   */
  bytes: number;
  reason: CorruptionReason;
  /** What was wrong, in words. */
  message: string;
  /** Events lost, when the records around a damaged block tell (reason `'block'`). */
  events?: number;
}

/** An item of {@link walkSegments}. */
export type WalkItem =
  | { type: 'segment'; seg: SegmentFile; fileBytes: number; rawBytes: number }
  | {
      type: 'batch';
      seg: SegmentFile;
      offset: number;
      /** The frame's events in range (time and position). */
      events: HeatEvent[];
      /** Events in the frame, in range or not. */
      total: number;
      /** Positions of the frame's events: `[start, end)`. */
      start: number;
      end: number;
      /** The writer cut its live indexes after this frame (at position `end`). */
      cut: boolean;
    }
  | { type: 'corrupt'; seg: SegmentFile; entry: CorruptionEntry }
  | { type: 'tail'; seg: SegmentFile; offset: number; bytes: number };

/** Options of {@link walkSegments}. */
export interface WalkOptions {
  /** Keep events with `t >= from` (epoch ms). */
  from: number;
  /** Keep events with `t < to` (epoch ms). */
  to: number;
  /** Keep events at or after this journal position. Default 0. */
  fromPosition?: number;
  /** Read only the segment with this sequence number (recovery, for its last position). */
  onlySeq?: number;
}

/** The reader's state across segments. */
interface Cursor {
  o: WalkOptions;
  fromPosition: number;
  everyTime: boolean;
  /** False for a read of everything: then nothing is skipped at all. */
  ranged: boolean;
  /** Format 1 frames carry no position: theirs follow the previous frame's, from 0. */
  position: number;
}

/** Reads a segment's file; a raw one sealed meanwhile is read as `.gz`. Null when it is gone (pruned). */
async function loadFile(seg: SegmentFile): Promise<{ seg: SegmentFile; data: Buffer } | null> {
  try {
    return { seg, data: await readFile(seg.path) };
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  if (seg.sealed) return null;
  const sealed: SegmentFile = {
    ...seg,
    file: `${seg.file.slice(0, -RAW_EXT.length)}${SEALED_EXT}`,
    path: `${seg.path.slice(0, -RAW_EXT.length)}${SEALED_EXT}`,
    sealed: true,
  };
  try {
    return { seg: sealed, data: await readFile(sealed.path) };
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
}

/**
 * True when a checked summary or block record proves there is nothing in `[from, to)` or nothing
 * at or after `fromPosition` — and no cut a position-aware reader needs (a range entirely before
 * `fromPosition` has none). Ranges skipped for time keep their cuts unread: readers that need
 * every cut (replay) ask for the whole time range.
 */
function outsideRange(s: SealedSummary | BlockRecord, c: Cursor): boolean {
  if (!c.ranged) return false;
  if (s.end !== undefined && s.end <= c.fromPosition) return true;
  return !c.everyTime && (s.tMax < c.o.from || s.tMin >= c.o.to);
}

/** Walks every segment of `dir` in append order; see {@link WalkItem}. */
export async function* walkSegments(dir: string, o: WalkOptions): AsyncGenerator<WalkItem> {
  const { segments } = await listSegments(dir);
  const lastSeq = segments.length > 0 ? (segments[segments.length - 1] as SegmentFile).seq : -1;
  const fromPosition = o.fromPosition ?? 0;
  const everyTime = o.from === Number.NEGATIVE_INFINITY && o.to === Number.POSITIVE_INFINITY;
  const cursor: Cursor = { o, fromPosition, everyTime, ranged: !everyTime || fromPosition > 0, position: 0 };
  for (const listed of segments) {
    if (o.onlySeq !== undefined && listed.seq !== o.onlySeq) continue;
    if (listed.sealed && cursor.ranged) {
      const read = await readSealedSummary(listed.path).catch(() => null);
      if (read?.trusted && outsideRange(read.summary, cursor)) {
        if (read.summary.end !== undefined) cursor.position = read.summary.end;
        continue;
      }
    }
    const loaded = await loadFile(listed);
    if (!loaded) continue;
    const { seg, data } = loaded;
    if (!seg.sealed) {
      yield { type: 'segment', seg, fileBytes: data.length, rawBytes: data.length };
      // The newest raw segment may be mid-write (live writer) or torn by a crash not yet
      // recovered: an incomplete tail there is expected, not corruption.
      yield* framesOf(seg, data, 0, cursor, seg.seq === lastSeq, null);
      continue;
    }
    const parsed = parseBlockSegment(data);
    if (parsed) yield* blockSegment(seg, data.length, parsed, cursor);
    else yield* legacySegment(seg, data, cursor);
  }
}

function corrupt(seg: SegmentFile, entry: Omit<CorruptionEntry, 'file'>): WalkItem {
  return { type: 'corrupt', seg, entry: { file: seg.file, ...entry } };
}

function issueItem(seg: SegmentFile, i: BlockSegmentIssue): WalkItem {
  const entry: Omit<CorruptionEntry, 'file'> = {
    offset: i.rawOffset,
    bytes: i.rawBytes,
    reason: i.reason,
    message: i.message,
  };
  if (i.events !== undefined) entry.events = i.events;
  return corrupt(seg, entry);
}

/** A block segment: intact blocks in order, each damaged range reported where it lies. */
async function* blockSegment(
  seg: SegmentFile,
  fileBytes: number,
  parsed: NonNullable<ReturnType<typeof parseBlockSegment>>,
  cursor: Cursor,
): AsyncGenerator<WalkItem> {
  const { summary, blocks, issues } = parsed;
  const rawBytes = summary?.rawBytes ?? blocks.reduce((sum, b) => sum + b.record.rawBytes, 0);
  yield { type: 'segment', seg, fileBytes, rawBytes };
  // The whole content is known only when no block was lost or skipped: only then compare it with the summary.
  let whole = !issues.some((i) => i.reason === 'block');
  const tally = new FrameTally();
  let next = 0;
  for (const b of blocks) {
    while (next < issues.length && (issues[next] as BlockSegmentIssue).fileOffset <= b.fileOffset) {
      yield issueItem(seg, issues[next++] as BlockSegmentIssue);
    }
    if (!b.deflated) continue; // reported among the issues
    const r = b.record;
    if (r.end !== undefined && outsideRange(r, cursor)) {
      cursor.position = r.end;
      whole = false;
      continue;
    }
    const raw = inflateBlock(b);
    if (raw instanceof Error) {
      whole = false;
      yield corrupt(seg, {
        offset: r.rawOffset,
        bytes: r.rawBytes,
        events: r.events,
        reason: 'block',
        message: `block ${r.index} (${r.events} events) passed its CRC-32 but does not inflate (${raw.message}); its frames are lost, the other blocks are read`,
      });
      continue;
    }
    const own = new FrameTally();
    yield* framesOf(seg, raw, r.rawOffset, cursor, false, [own, tally]);
    const content = own.summary(0);
    if (!sameSummary(content, { ...r, writtenMax: 0 })) {
      yield corrupt(seg, {
        offset: r.rawOffset,
        bytes: 0,
        reason: 'summary',
        message: `the record of block ${r.index} says ${describeSummary({ ...r, writtenMax: 0 })}, its frames hold ${describeSummary(content)}`,
      });
    }
  }
  while (next < issues.length) yield issueItem(seg, issues[next++] as BlockSegmentIssue);
  if (whole && summary) {
    const content = tally.summary(summary.writtenMax);
    if (
      !sameSummary(content, summary) ||
      rawBytes !== blocks.reduce((sum, b) => sum + b.record.rawBytes, 0)
    ) {
      yield corrupt(seg, {
        offset: 0,
        bytes: 0,
        reason: 'summary',
        message: `the segment summary says ${describeSummary(summary)} in ${summary.blocks} blocks, the content holds ${describeSummary(content)} in ${blocks.length}; range reads no longer trust it`,
      });
    }
  }
}

/** A legacy sealed segment: one gzip member, inflated as far as it goes; its file-name summary checked against the content. */
async function* legacySegment(seg: SegmentFile, data: Buffer, cursor: Cursor): AsyncGenerator<WalkItem> {
  const { bytes: raw, error, trailerMismatch } = await inflateLegacy(data);
  if (error) {
    yield corrupt(seg, {
      offset: raw.length,
      bytes: data.length,
      reason: 'gzip',
      message: `gzip data is damaged after ${raw.length} bytes (${error.message}); frames before that are kept`,
    });
  } else if (trailerMismatch) {
    yield corrupt(seg, {
      offset: raw.length,
      bytes: 0,
      reason: 'gzip',
      message:
        'the gzip trailer (CRC-32, length) does not match the inflated data: the trailer is damaged, or the data is (then its frames fail their CRC-32 and are reported too); every frame that checks out is kept',
    });
  }
  yield { type: 'segment', seg, fileBytes: data.length, rawBytes: raw.length };
  const tally = new FrameTally();
  yield* framesOf(seg, raw, 0, cursor, false, [tally]);
  const legacy = parseLegacySummary(data.subarray(0, 256));
  if (!error && !trailerMismatch && legacy) {
    const content = tally.summary(legacy.summary.writtenMax);
    if (!sameSummary(content, legacy.summary)) {
      yield corrupt(seg, {
        offset: 0,
        bytes: 0,
        reason: 'summary',
        message: `the gzip file-name summary says ${describeSummary(legacy.summary)}, the content holds ${describeSummary(content)}`,
      });
    }
  }
}

/**
 * The frames of `bytes` (raw segment bytes starting at `rawOffset` of the segment), with every
 * corrupt range where it occurs. `live`: an incomplete tail is a write in progress, not damage.
 */
function* framesOf(
  seg: SegmentFile,
  bytes: Buffer,
  rawOffset: number,
  cursor: Cursor,
  live: boolean,
  tallies: FrameTally[] | null,
): Generator<WalkItem> {
  const { o, fromPosition } = cursor;
  const scan = scanFrames(bytes);
  // Corrupt ranges and frames interleave by offset; report each where it occurs.
  let c = 0;
  for (const frame of scan.frames) {
    while (c < scan.corrupt.length && (scan.corrupt[c] as { offset: number }).offset < frame.offset) {
      const r = scan.corrupt[c++] as { offset: number; bytes: number };
      const at = rawOffset + r.offset;
      yield corrupt(seg, {
        offset: at,
        bytes: r.bytes,
        reason: 'checksum',
        message: `${r.bytes} bytes at offset ${at} are not a valid frame (bad magic, length or CRC-32); skipped to the next valid frame`,
      });
    }
    const offset = rawOffset + frame.offset;
    let events: HeatEvent[];
    let total: number;
    let start: number;
    let cut: boolean;
    try {
      const env = decodeEnvelope(frame.payload);
      if (tallies) for (const t of tallies) t.add(env);
      total = env.n;
      start = env.o ?? cursor.position;
      cut = env.c === true;
      const skip = Math.max(0, fromPosition - start);
      events =
        env.n === 0 || skip >= env.n || env.hi < o.from || env.lo >= o.to
          ? []
          : decodeEvents(env, o.from, o.to, skip);
    } catch (err) {
      if (!(err instanceof BatchDecodeError)) throw err;
      yield corrupt(seg, {
        offset,
        bytes: frame.payload.length + 12,
        reason: 'undecodable',
        message: `frame at offset ${offset} passed its checksum but cannot be decoded (${err.message}); written by a newer version?`,
      });
      continue;
    }
    cursor.position = start + total;
    yield { type: 'batch', seg, offset, events, total, start, end: cursor.position, cut };
  }
  if (scan.tail) {
    const at = rawOffset + scan.tail.offset;
    if (live) yield { type: 'tail', seg, offset: at, bytes: scan.tail.bytes };
    else {
      yield corrupt(seg, {
        offset: at,
        bytes: scan.tail.bytes,
        reason: 'torn-tail',
        message: `the last ${scan.tail.bytes} bytes (from offset ${at}) are not a complete valid frame`,
      });
    }
  }
}

/**
 * Newest content time of a sealed segment (writer's clock at its last frame): from a checked
 * summary; from a legacy one only when the gzip MTIME its sealer wrote beside it agrees; else
 * the file's mtime (the seal's time, never earlier than the content, so pruning errs late).
 */
export async function segmentContentTime(seg: SegmentFile): Promise<number> {
  if (seg.sealed) {
    const read = await readSealedSummary(seg.path).catch(() => null);
    if (read?.trusted) return read.summary.writtenMax;
    if (read && read.legacyMtimeSeconds === Math.floor(read.summary.writtenMax / 1000)) {
      return read.summary.writtenMax;
    }
  }
  return (await stat(seg.path)).mtimeMs;
}
