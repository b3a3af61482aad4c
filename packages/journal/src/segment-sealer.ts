/**
 * Sealing: a closed raw segment becomes `<base>.mtj.gz` by way of a temporary file, an fsync, an
 * atomic rename and an fsync of the directory, and only then is the raw file removed. A crash at
 * any point leaves either the raw file, or the raw file and a complete `.gz` (the rename is
 * atomic), both of which `openJournal` resolves; a leftover `.tmp` is simply removed.
 *
 * Compression runs in fflate's worker (`gzip` with a callback) so a 64 MB segment does not stall
 * the host's event loop; if a worker cannot start, it falls back to `gzipSync`.
 */
import { open, readFile, rename, stat, truncate, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type AsyncGzipOptions, gzip, gzipSync } from 'fflate';
import { decodeEnvelope } from './batch-codec';
import { scanFrames } from './frame-codec';
import { fsyncDir } from './fs-utils';
import { formatSummary, RAW_EXT, SEALED_EXT, type SealedSummary, TEMP_SUFFIX } from './segment-files';

/** What {@link inspectRawSegment} found, and what it cut off. */
export interface RawSegmentCheck {
  /** Summary of the valid frames (null when there are none). */
  summary: SealedSummary | null;
  /** Bytes after the last valid frame that were truncated away. */
  tornBytes: number;
  /** Bytes of corrupt frames in the middle (kept in place; readers skip them). */
  corruptBytes: number;
  frames: number;
  /** Size of the file after truncation. */
  size: number;
}

/**
 * Scans a raw segment, truncates a torn tail (bytes after the last valid frame), and summarises
 * its frames for the sealed header. Used on open (crash recovery) and before every seal.
 */
export async function inspectRawSegment(path: string, truncateTail: boolean): Promise<RawSegmentCheck> {
  const bytes = await readFile(path);
  const scan = scanFrames(bytes);
  let events = 0;
  let tMin = Number.POSITIVE_INFINITY;
  let tMax = Number.NEGATIVE_INFINITY;
  let first: number | undefined;
  let end: number | undefined;
  let positioned = true;
  for (const f of scan.frames) {
    try {
      const env = decodeEnvelope(f.payload);
      events += env.n;
      if (env.n > 0) {
        if (env.lo < tMin) tMin = env.lo;
        if (env.hi > tMax) tMax = env.hi;
      }
      if (env.o === undefined) positioned = false;
      else {
        first ??= env.o;
        end = Math.max(end ?? 0, env.o + env.n);
      }
    } catch {
      // An undecodable payload is reported by readers; the summary just leaves it out.
    }
  }
  const tornBytes = scan.tail ? scan.tail.bytes : 0;
  if (truncateTail && tornBytes > 0) {
    await truncate(path, scan.validEnd);
    const fh = await open(path, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
  const st = await stat(path);
  let summary: SealedSummary | null = null;
  if (scan.frames.length > 0) {
    summary = {
      events,
      tMin: events > 0 ? tMin : 0,
      tMax: events > 0 ? tMax : 0,
      writtenMax: Math.floor(st.mtimeMs),
    };
    if (positioned && first !== undefined && end !== undefined) {
      summary.first = first;
      summary.end = end;
    }
  }
  return {
    summary,
    tornBytes,
    corruptBytes: scan.corrupt.reduce((sum, c) => sum + c.bytes, 0),
    frames: scan.frames.length,
    size: truncateTail ? scan.validEnd : bytes.length,
  };
}

function gzipAsync(data: Uint8Array, options: AsyncGzipOptions): Promise<Uint8Array> {
  return new Promise((resolve) => {
    try {
      gzip(data, options, (err, out) => {
        resolve(err ? gzipSync(data, options) : out);
      });
    } catch {
      resolve(gzipSync(data, options));
    }
  });
}

/**
 * Gzips the raw segment at `rawPath` into `<base>.mtj.gz` durably and removes the raw file.
 * Returns the sealed path, or null when the segment held no frames (it is deleted).
 */
export async function sealSegment(rawPath: string, summary: SealedSummary, level: number): Promise<string> {
  if (!rawPath.endsWith(RAW_EXT)) throw new Error(`not a raw segment: ${rawPath}`);
  const sealedPath = `${rawPath.slice(0, -RAW_EXT.length)}${SEALED_EXT}`;
  const tempPath = `${sealedPath}${TEMP_SUFFIX}`;
  const data = await readFile(rawPath);
  const gz = await gzipAsync(data, {
    level: level as AsyncGzipOptions['level'],
    filename: formatSummary(summary),
    mtime: summary.writtenMax,
  });
  const fh = await open(tempPath, 'w');
  try {
    await fh.writeFile(gz);
    await fh.sync();
  } finally {
    await fh.close();
  }
  const dir = dirname(rawPath);
  await rename(tempPath, sealedPath);
  await fsyncDir(dir);
  await unlink(rawPath);
  await fsyncDir(dir);
  return sealedPath;
}
