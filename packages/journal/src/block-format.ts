/**
 * The records a block segment carries in its members' gzip extra subfields (see gzip-member.ts
 * for the member itself, and the package README, "Sealed segments", for the whole layout). All
 * integers little-endian; times and positions are float64, exact for integers below 2^53. Each
 * record ends with the CRC-32 of the bytes before it, so a reader never trusts a damaged one.
 *
 * Segment summary (subfield 'MH' in the first member, a copy as 'MT' in the last), 66 bytes:
 *
 * ```
 * 0   u8   version (1)
 * 1   u8   flags: bit 0 = first/end are positions
 * 2   u32  number of blocks
 * 6   f64  raw bytes (the segment's frames, uncompressed)
 * 14  f64  events
 * 22  f64  tMin     (0 when there are no events)
 * 30  f64  tMax
 * 38  f64  writtenMax: the writer's clock at the segment's last frame
 * 46  f64  first position
 * 54  f64  end position (exclusive)
 * 62  u32  CRC-32 of bytes 0..61
 * ```
 *
 * Block (subfield 'MB' of each block member), 70 bytes:
 *
 * ```
 * 0   u8   version (1)
 * 1   u8   flags: bit 0 = first/end are positions
 * 2   u32  block number in the segment, from 0
 * 6   u32  compressed length (the member's deflate data)
 * 10  u32  CRC-32 of the compressed bytes
 * 14  u32  uncompressed length
 * 18  u32  CRC-32 of the uncompressed bytes
 * 22  f64  offset of the block in the raw segment
 * 30  u32  events
 * 34  f64  tMin
 * 42  f64  tMax
 * 50  f64  first position
 * 58  f64  end position
 * 66  u32  CRC-32 of bytes 0..65
 * ```
 */
import { crc32 } from 'node:zlib';

/** The block segment format version written by this code. */
export const BLOCK_SEGMENT_VERSION = 1;

/** Size of a summary record (subfields 'MH' and 'MT'). */
export const SUMMARY_RECORD_BYTES = 66;
/** Size of a block record (subfield 'MB'). */
export const BLOCK_RECORD_BYTES = 70;

const FLAG_POSITIONS = 1;

/** What a sealed segment records about its content (legacy segments: in the gzip file name). */
export interface SealedSummary {
  /** Number of events. */
  events: number;
  /** Smallest and largest event time `t`. */
  tMin: number;
  tMax: number;
  /** Wall-clock time (writer's clock) of the last frame written. */
  writtenMax: number;
  /** Journal positions of the segment's events: `[first, end)` (absent for format 1 segments). */
  first?: number;
  end?: number;
}

/** The summary of a block segment: a {@link SealedSummary} plus its shape. */
export interface SegmentRecord extends SealedSummary {
  /** Number of blocks. */
  blocks: number;
  /** Size of the raw segment (all blocks, uncompressed). */
  rawBytes: number;
}

/** What a block's record says about it. */
export interface BlockRecord {
  /** Block number in the segment, from 0. */
  index: number;
  /** Length and CRC-32 of the compressed bytes. */
  compressedBytes: number;
  compressedCrc: number;
  /** Length and CRC-32 of the uncompressed bytes (a run of whole frames). */
  rawBytes: number;
  rawCrc: number;
  /** Where the block's bytes start in the raw segment. */
  rawOffset: number;
  events: number;
  tMin: number;
  tMax: number;
  /** Positions of the block's events `[first, end)`, when its frames carry positions. */
  first?: number;
  end?: number;
}

/**
 * Size of a whole header or trailer member: 16 bytes of gzip header up to the subfield data, the
 * summary record, the header CRC16, the empty deflate data (2 bytes) and the gzip trailer (8).
 */
export const SUMMARY_MEMBER_BYTES = 16 + SUMMARY_RECORD_BYTES + 2 + 2 + 8;

/** A record that passed its CRC but that this code cannot read (a newer version). */
export class RecordVersionError extends Error {}

function withCrc(b: Buffer): Buffer {
  b.writeUInt32LE(crc32(b.subarray(0, b.length - 4)), b.length - 4);
  return b;
}

function checkVersion(data: Buffer, size: number, what: string): void {
  if (data[0] !== BLOCK_SEGMENT_VERSION || data.length !== size) {
    throw new RecordVersionError(
      `${what} record of version ${String(data[0])} (${data.length} bytes) is not version ${BLOCK_SEGMENT_VERSION}: written by a newer version?`,
    );
  }
}

/** Encodes a segment summary record, CRC included. */
export function encodeSegmentRecord(s: SegmentRecord): Buffer {
  const b = Buffer.alloc(SUMMARY_RECORD_BYTES);
  const positioned = s.first !== undefined && s.end !== undefined;
  b[0] = BLOCK_SEGMENT_VERSION;
  b[1] = positioned ? FLAG_POSITIONS : 0;
  b.writeUInt32LE(s.blocks, 2);
  b.writeDoubleLE(s.rawBytes, 6);
  b.writeDoubleLE(s.events, 14);
  b.writeDoubleLE(s.tMin, 22);
  b.writeDoubleLE(s.tMax, 30);
  b.writeDoubleLE(s.writtenMax, 38);
  b.writeDoubleLE(positioned ? (s.first as number) : 0, 46);
  b.writeDoubleLE(positioned ? (s.end as number) : 0, 54);
  return withCrc(b);
}

/** Decodes a summary record whose CRC the member reader already checked. */
export function decodeSegmentRecord(data: Buffer): SegmentRecord {
  checkVersion(data, SUMMARY_RECORD_BYTES, 'segment summary');
  const s: SegmentRecord = {
    blocks: data.readUInt32LE(2),
    rawBytes: data.readDoubleLE(6),
    events: data.readDoubleLE(14),
    tMin: data.readDoubleLE(22),
    tMax: data.readDoubleLE(30),
    writtenMax: data.readDoubleLE(38),
  };
  if ((data[1] as number) & FLAG_POSITIONS) {
    s.first = data.readDoubleLE(46);
    s.end = data.readDoubleLE(54);
  }
  return s;
}

/** Encodes a block record, CRC included. */
export function encodeBlockRecord(r: BlockRecord): Buffer {
  const b = Buffer.alloc(BLOCK_RECORD_BYTES);
  const positioned = r.first !== undefined && r.end !== undefined;
  b[0] = BLOCK_SEGMENT_VERSION;
  b[1] = positioned ? FLAG_POSITIONS : 0;
  b.writeUInt32LE(r.index, 2);
  b.writeUInt32LE(r.compressedBytes, 6);
  b.writeUInt32LE(r.compressedCrc >>> 0, 10);
  b.writeUInt32LE(r.rawBytes, 14);
  b.writeUInt32LE(r.rawCrc >>> 0, 18);
  b.writeDoubleLE(r.rawOffset, 22);
  b.writeUInt32LE(r.events, 30);
  b.writeDoubleLE(r.tMin, 34);
  b.writeDoubleLE(r.tMax, 42);
  b.writeDoubleLE(positioned ? (r.first as number) : 0, 50);
  b.writeDoubleLE(positioned ? (r.end as number) : 0, 58);
  return withCrc(b);
}

/** Decodes a block record whose CRC the member reader already checked. */
export function decodeBlockRecord(data: Buffer): BlockRecord {
  checkVersion(data, BLOCK_RECORD_BYTES, 'block');
  const r: BlockRecord = {
    index: data.readUInt32LE(2),
    compressedBytes: data.readUInt32LE(6),
    compressedCrc: data.readUInt32LE(10),
    rawBytes: data.readUInt32LE(14),
    rawCrc: data.readUInt32LE(18),
    rawOffset: data.readDoubleLE(22),
    events: data.readUInt32LE(30),
    tMin: data.readDoubleLE(34),
    tMax: data.readDoubleLE(42),
  };
  if ((data[1] as number) & FLAG_POSITIONS) {
    r.first = data.readDoubleLE(50);
    r.end = data.readDoubleLE(58);
  }
  return r;
}

/** True when two summaries say the same (header and trailer copies, or a summary and the content). */
export function sameSummary(a: SealedSummary, b: SealedSummary): boolean {
  return (
    a.events === b.events && a.tMin === b.tMin && a.tMax === b.tMax && a.first === b.first && a.end === b.end
  );
}
