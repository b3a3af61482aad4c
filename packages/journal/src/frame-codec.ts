/**
 * Frames: the unit a segment is made of, and the unit of recovery.
 *
 * ```
 * offset 0  4 bytes  magic 4d 54 4a f1 ("MTJ" + 0xF1)
 * offset 4  4 bytes  payload length, uint32 little-endian
 * offset 8  4 bytes  CRC-32 of the payload, uint32 little-endian
 * offset 12 n bytes  payload (one msgpackr-encoded batch, see batch-codec.ts)
 * ```
 *
 * The magic is what makes resync possible: after a bad frame, the scanner looks for the next
 * magic and trusts it only when its length is in bounds and its checksum matches.
 */
import { crc32 } from 'node:zlib';

/** The 4 bytes every frame starts with. */
export const FRAME_MAGIC: Uint8Array = Uint8Array.of(0x4d, 0x54, 0x4a, 0xf1);

/** Bytes before the payload: magic, length, checksum. */
export const FRAME_HEADER_BYTES = 12;

/** Largest payload a scanner accepts; anything longer is a corrupt length field. */
export const FRAME_MAX_PAYLOAD = 256 * 1024 * 1024;

const MAGIC_BUFFER = Buffer.from(FRAME_MAGIC);

/** Wraps a payload in a frame header (one allocation, one copy). */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  frame.set(FRAME_MAGIC, 0);
  const view = new DataView(frame.buffer);
  view.setUint32(4, payload.length, true);
  view.setUint32(8, crc32(payload), true);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/** One valid frame found by {@link scanFrames}. */
export interface ScannedFrame {
  /** Byte offset of the frame header in the scanned buffer. */
  offset: number;
  /** The payload (a view into the scanned buffer, not a copy). */
  payload: Uint8Array;
}

/** A run of bytes the scanner skipped between two valid frames. */
export interface SkippedRange {
  /** Byte offset where the bad bytes start. */
  offset: number;
  /** How many bytes were skipped. */
  bytes: number;
}

/** What {@link scanFrames} found in a buffer. */
export interface FrameScan {
  frames: ScannedFrame[];
  /** Bad bytes followed by a valid frame: corruption in the middle. */
  corrupt: SkippedRange[];
  /** Bytes after the last valid frame that do not form one: a torn (or garbled) tail, or null. */
  tail: SkippedRange | null;
  /** Offset just past the last valid frame: where a writer may truncate to. */
  validEnd: number;
}

/** Total size of the valid frame at `pos`, or -1 when the bytes there are not a complete valid frame. */
function frameSizeAt(buf: Buffer, pos: number): number {
  const len = buf.length;
  if (pos + FRAME_HEADER_BYTES > len) return -1;
  if (buf[pos] !== 0x4d || buf[pos + 1] !== 0x54 || buf[pos + 2] !== 0x4a || buf[pos + 3] !== 0xf1) {
    return -1;
  }
  const size = buf.readUInt32LE(pos + 4);
  if (size > FRAME_MAX_PAYLOAD || pos + FRAME_HEADER_BYTES + size > len) return -1;
  const start = pos + FRAME_HEADER_BYTES;
  if (crc32(buf.subarray(start, start + size)) !== buf.readUInt32LE(pos + 8)) return -1;
  return FRAME_HEADER_BYTES + size;
}

/**
 * Splits a segment's bytes into valid frames, resyncing past corrupt ones. Never throws: every
 * byte ends up in a frame, a skipped range, or the tail.
 */
export function scanFrames(bytes: Uint8Array): FrameScan {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = buf.length;
  const frames: ScannedFrame[] = [];
  const corrupt: SkippedRange[] = [];
  let tail: SkippedRange | null = null;
  let validEnd = 0;
  let pos = 0;
  while (pos < len) {
    const size = frameSizeAt(buf, pos);
    if (size > 0) {
      frames.push({ offset: pos, payload: buf.subarray(pos + FRAME_HEADER_BYTES, pos + size) });
      pos += size;
      validEnd = pos;
      continue;
    }
    // Resync: the next magic that starts a valid frame.
    let next = -1;
    let q = pos + 1;
    while ((q = buf.indexOf(MAGIC_BUFFER, q)) !== -1) {
      if (frameSizeAt(buf, q) > 0) {
        next = q;
        break;
      }
      q++;
    }
    if (next === -1) {
      tail = { offset: pos, bytes: len - pos };
      break;
    }
    corrupt.push({ offset: pos, bytes: next - pos });
    pos = next;
  }
  return { frames, corrupt, tail, validEnd };
}
