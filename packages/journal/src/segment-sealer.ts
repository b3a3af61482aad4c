/**
 * Sealing: a closed raw segment becomes the block segment `<base>.mtj.gz` (see
 * block-segment-writer.ts) by way of a temporary file, an fsync, an atomic rename and an fsync of
 * the directory, and only then is the raw file removed. A crash at any point leaves either the
 * raw file, or the raw file and a complete `.gz` (the rename is atomic), both of which
 * `openJournal` resolves; a leftover `.tmp` is simply removed. A seal that fails (a full disk)
 * removes its temporary file itself, so failures do not pile up files until the next open.
 */
import { open, readFile, rename, stat, truncate, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeEnvelope } from './batch-codec';
import type { SealedSummary } from './block-format';
import { encodeBlockSegment } from './block-segment-writer';
import { scanFrames } from './frame-codec';
import { FrameTally } from './frame-tally';
import { fsyncDir } from './fs-utils';
import { RAW_EXT, SEALED_EXT, TEMP_SUFFIX } from './segment-files';

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
 * its frames. Used on open (crash recovery) and before sealing a segment given up after a failed write.
 */
export async function inspectRawSegment(path: string, truncateTail: boolean): Promise<RawSegmentCheck> {
  const bytes = await readFile(path);
  const scan = scanFrames(bytes);
  const tally = new FrameTally();
  for (const f of scan.frames) {
    try {
      tally.add(decodeEnvelope(f.payload));
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
  return {
    summary: scan.frames.length > 0 ? tally.summary(Math.floor(st.mtimeMs)) : null,
    tornBytes,
    corruptBytes: scan.corrupt.reduce((sum, c) => sum + c.bytes, 0),
    frames: scan.frames.length,
    size: truncateTail ? scan.validEnd : bytes.length,
  };
}

/** Options of {@link sealSegment}. */
export interface SealOptions {
  /** The writer's clock at the segment's last frame (kept in the summary, for pruning). */
  writtenMax: number;
  /** Deflate level, 1 to 9. */
  level: number;
  /** Target uncompressed size of a block. */
  blockBytes: number;
}

/**
 * Compresses the raw segment at `rawPath` into `<base>.mtj.gz` durably and removes the raw file.
 * Returns the sealed path. On failure the raw file is untouched and no temporary file is left.
 */
export async function sealSegment(rawPath: string, o: SealOptions): Promise<string> {
  if (!rawPath.endsWith(RAW_EXT)) throw new Error(`not a raw segment: ${rawPath}`);
  const sealedPath = `${rawPath.slice(0, -RAW_EXT.length)}${SEALED_EXT}`;
  const tempPath = `${sealedPath}${TEMP_SUFFIX}`;
  const raw = await readFile(rawPath);
  const encoded = await encodeBlockSegment(raw, o);
  const dir = dirname(rawPath);
  try {
    const fh = await open(tempPath, 'w');
    try {
      const { bytesWritten } = await fh.writev(encoded.parts, 0);
      if (bytesWritten !== encoded.bytes)
        throw new Error(`short write: ${bytesWritten} of ${encoded.bytes} bytes`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tempPath, sealedPath);
  } catch (err) {
    // Never leave a partial temp file behind (on a full disk it would only make things worse).
    await unlink(tempPath).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
  await unlink(rawPath);
  await fsyncDir(dir);
  return sealedPath;
}
