/**
 * The one read path under `readJournal` and `verifyJournal`: lists the segments, loads each
 * (gunzipping sealed ones), scans its frames, decodes the batches in range, and reports every
 * corrupt byte range instead of stopping at it.
 */
import { readFile, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { HeatEvent } from '@monkeytracker/grid';
import { BatchDecodeError, decodeEnvelope, decodeEvents } from './batch-codec';
import { scanFrames } from './frame-codec';
import { errnoCode } from './fs-utils';
import { listSegments, RAW_EXT, readSealedSummary, SEALED_EXT, type SegmentFile } from './segment-files';

/** Why a byte range of a segment was skipped. */
export type CorruptionReason = 'checksum' | 'torn-tail' | 'undecodable' | 'gzip';

/** One corrupt range met while reading: which file, where, how much, and why. */
export interface CorruptionEntry {
  /** Segment file name. */
  file: string;
  /** Offset in the segment's raw (decompressed) bytes where the skipped range starts. */
  offset: number;
  /** Bytes skipped (for `'gzip'`, the compressed file's size: the rest of it could not be inflated). */
  bytes: number;
  reason: CorruptionReason;
  /** What was wrong, in words. */
  message: string;
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
}

const GUNZIP_CHUNK_BYTES = 1024 * 1024;

/** Gunzips as much as can be: on damage, the output before it and the error. */
function gunzipSalvage(data: Uint8Array): Promise<{ bytes: Buffer; error: Error | null }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    // Large chunks: the default 16 KiB costs one thread-pool round trip per 16 KiB of output.
    const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
    let done = false;
    const finish = (error: Error | null) => {
      if (done) return;
      done = true;
      resolve({ bytes: Buffer.concat(chunks), error });
    };
    gunzip.on('data', (chunk: Buffer) => chunks.push(chunk));
    gunzip.on('error', (err) => finish(err));
    gunzip.on('end', () => finish(null));
    gunzip.end(data);
  });
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
 * True when a sealed segment's header proves it holds nothing in `[from, to)` or nothing at or
 * after `fromPosition` — and holds no cut a position-aware reader needs (a segment entirely
 * before `fromPosition` has none). Segments skipped for time keep their cuts unread: readers
 * that need every cut (replay) ask for the whole time range.
 */
async function outsideRange(seg: SegmentFile, o: WalkOptions): Promise<boolean> {
  const everyTime = o.from === Number.NEGATIVE_INFINITY && o.to === Number.POSITIVE_INFINITY;
  if (!seg.sealed || (everyTime && !(o.fromPosition! > 0))) return false;
  const s = await readSealedSummary(seg.path).catch(() => null);
  if (s === null) return false;
  if (s.end !== undefined && s.end <= (o.fromPosition ?? 0)) return true;
  return !everyTime && (s.tMax < o.from || s.tMin >= o.to);
}

/** Walks every segment of `dir` in append order; see {@link WalkItem}. */
export async function* walkSegments(dir: string, o: WalkOptions): AsyncGenerator<WalkItem> {
  const { segments } = await listSegments(dir);
  const lastSeq = segments.length > 0 ? (segments[segments.length - 1] as SegmentFile).seq : -1;
  const fromPosition = o.fromPosition ?? 0;
  // Format 1 frames carry no position: theirs follow the previous frame's, from 0.
  let position = 0;
  for (const listed of segments) {
    if (await outsideRange(listed, o)) {
      const s = await readSealedSummary(listed.path).catch(() => null);
      if (s?.end !== undefined) position = s.end;
      continue;
    }
    const loaded = await loadFile(listed);
    if (!loaded) continue;
    const seg = loaded.seg;
    let bytes: Buffer = loaded.data;
    if (seg.sealed) {
      const { bytes: raw, error } = await gunzipSalvage(loaded.data);
      bytes = raw;
      if (error) {
        yield {
          type: 'corrupt',
          seg,
          entry: {
            file: seg.file,
            offset: raw.length,
            bytes: loaded.data.length,
            reason: 'gzip',
            message: `gzip data is damaged after ${raw.length} bytes (${error.message}); frames before that are kept`,
          },
        };
      }
    }
    yield { type: 'segment', seg, fileBytes: loaded.data.length, rawBytes: bytes.length };
    const scan = scanFrames(bytes);
    // Corrupt ranges and frames interleave by offset; report each where it occurs.
    let c = 0;
    for (const frame of scan.frames) {
      while (c < scan.corrupt.length && (scan.corrupt[c] as { offset: number }).offset < frame.offset) {
        const r = scan.corrupt[c++] as { offset: number; bytes: number };
        yield {
          type: 'corrupt',
          seg,
          entry: {
            file: seg.file,
            offset: r.offset,
            bytes: r.bytes,
            reason: 'checksum',
            message: `${r.bytes} bytes at offset ${r.offset} are not a valid frame (bad magic, length or CRC-32); skipped to the next valid frame`,
          },
        };
      }
      let events: HeatEvent[];
      let total: number;
      let start: number;
      let cut: boolean;
      try {
        const env = decodeEnvelope(frame.payload);
        total = env.n;
        start = env.o ?? position;
        cut = env.c === true;
        const skip = Math.max(0, fromPosition - start);
        events =
          env.n === 0 || skip >= env.n || env.hi < o.from || env.lo >= o.to
            ? []
            : decodeEvents(env, o.from, o.to, skip);
      } catch (err) {
        if (!(err instanceof BatchDecodeError)) throw err;
        yield {
          type: 'corrupt',
          seg,
          entry: {
            file: seg.file,
            offset: frame.offset,
            bytes: frame.payload.length + 12,
            reason: 'undecodable',
            message: `frame at offset ${frame.offset} passed its checksum but cannot be decoded (${err.message}); written by a newer version?`,
          },
        };
        continue;
      }
      position = start + total;
      yield { type: 'batch', seg, offset: frame.offset, events, total, start, end: position, cut };
    }
    if (scan.tail) {
      // The newest raw segment may be mid-write (live writer) or torn by a crash not yet
      // recovered: an incomplete tail there is expected, not corruption.
      if (!seg.sealed && seg.seq === lastSeq) {
        yield { type: 'tail', seg, offset: scan.tail.offset, bytes: scan.tail.bytes };
      } else {
        yield {
          type: 'corrupt',
          seg,
          entry: {
            file: seg.file,
            offset: scan.tail.offset,
            bytes: scan.tail.bytes,
            reason: 'torn-tail',
            message: `the last ${scan.tail.bytes} bytes (from offset ${scan.tail.offset}) are not a complete valid frame`,
          },
        };
      }
    }
  }
}

/** Newest content time of a sealed segment (writer's clock at its last frame), from its header or mtime. */
export async function segmentContentTime(seg: SegmentFile): Promise<number> {
  if (seg.sealed) {
    const summary = await readSealedSummary(seg.path).catch(() => null);
    if (summary) return summary.writtenMax;
  }
  return (await stat(seg.path)).mtimeMs;
}
