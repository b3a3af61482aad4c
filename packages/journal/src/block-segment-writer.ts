/**
 * Encodes a raw segment as a block segment: runs of whole frames ("blocks") compressed each on
 * its own, so damage to one block costs only that block's frames, between a header member and a
 * trailer member that both carry the segment's summary.
 *
 * Blocks end at frame ends and together cover every byte of the raw segment (corrupt ranges and
 * a tail included, so readers report them as they would in the raw file), which makes the
 * inflated blocks, concatenated, exactly the raw segment. A block is cut once adding the next
 * frame would take it past `blockBytes` (a frame larger than that is a block of its own).
 *
 * Compression is raw deflate from `node:zlib`, one block after the other: each call runs on a
 * libuv pool thread, so the event loop is never blocked, and one at a time leaves the other pool
 * threads to the writer's own file operations (a seal must not delay an fsync).
 */
import { promisify } from 'node:util';
import { crc32, deflateRaw } from 'node:zlib';
import { decodeEnvelope } from './batch-codec';
import { type BlockRecord, encodeBlockRecord, encodeSegmentRecord, type SegmentRecord } from './block-format';
import { scanFrames } from './frame-codec';
import { FrameTally } from './frame-tally';
import { EMPTY_DEFLATE, encodeMember } from './gzip-member';

/**
 * Default uncompressed size of a block: 128 KiB, about 5,000 events of realistic traffic, so one
 * damaged byte costs at most that many. Measured by the benchmark on 1 M events (25.7 raw
 * bytes/event), sealed bytes/event: 32 KiB blocks 7.59, 64 KiB 7.26, 128 KiB 7.12, 256 KiB 7.05,
 * 1 MiB 7.00, against 6.98 for one `node:zlib` member per segment and 7.06 for the sealer before
 * blocks (one gzip member). From 256 to 128 KiB halves the loss bound for 1 % more bytes; halving
 * it again would cost 2 % more (64 KiB), and 7 % at 32 KiB.
 */
export const DEFAULT_BLOCK_BYTES = 128 * 1024;

const deflateRawAsync = promisify(deflateRaw);

/** One planned block: a slice of the raw segment and what its frames hold. */
export interface PlannedBlock {
  rawOffset: number;
  bytes: Buffer;
  tally: FrameTally;
}

/**
 * Splits a raw segment into blocks of whole frames (see the module comment), counting every
 * envelope into `whole` too. A generator, so that decoding the envelopes of a 64 MiB segment
 * (about a tenth of a second) is spread over the seal, one block at a time between compressions,
 * instead of stalling the event loop in one piece.
 */
export function* planBlocks(raw: Buffer, blockBytes: number, whole: FrameTally): Generator<PlannedBlock> {
  const scan = scanFrames(raw);
  let start = 0;
  let tally = new FrameTally();
  let lastEnd = 0; // end of the last frame added to the current block
  let planned = 0;
  for (const f of scan.frames) {
    const end = f.offset + 12 + f.payload.length;
    if (lastEnd > start && end - start > blockBytes) {
      yield { rawOffset: start, bytes: raw.subarray(start, lastEnd), tally };
      planned++;
      start = lastEnd;
      tally = new FrameTally();
    }
    try {
      const env = decodeEnvelope(f.payload);
      tally.add(env);
      whole.add(env);
    } catch {
      // An undecodable payload is reported by readers; the records just leave it out.
    }
    lastEnd = end;
  }
  // The last block runs to the end of the file: a tail after the last frame stays with it.
  if (raw.length > start || planned === 0) yield { rawOffset: start, bytes: raw.subarray(start), tally };
}

/** Options of {@link encodeBlockSegment}. */
export interface BlockSegmentOptions {
  /** The writer's clock at the segment's last frame. */
  writtenMax: number;
  /** Deflate level, 1 to 9. */
  level: number;
  /** Target uncompressed block size. */
  blockBytes: number;
}

/** The encoded segment: buffers to write in order, their total size, and the summary written. */
export interface EncodedBlockSegment {
  parts: Uint8Array[];
  bytes: number;
  summary: SegmentRecord;
}

/** Compresses `raw` into a block segment (header member, one member per block, trailer member). */
export async function encodeBlockSegment(raw: Buffer, o: BlockSegmentOptions): Promise<EncodedBlockSegment> {
  const tally = new FrameTally();
  const mtimeSeconds = Math.floor(o.writtenMax / 1000);
  const blockParts: Uint8Array[] = [];
  let index = 0;
  for (const b of planBlocks(raw, o.blockBytes, tally)) {
    const deflated = await deflateRawAsync(b.bytes, { level: o.level, memLevel: 9 });
    const s = b.tally.summary(o.writtenMax);
    const rawCrc = crc32(b.bytes);
    const record: BlockRecord = {
      index,
      compressedBytes: deflated.length,
      compressedCrc: crc32(deflated),
      rawBytes: b.bytes.length,
      rawCrc,
      rawOffset: b.rawOffset,
      events: s.events,
      tMin: s.tMin,
      tMax: s.tMax,
      first: s.first,
      end: s.end,
    };
    blockParts.push(
      ...encodeMember({
        kind: 'B',
        data: encodeBlockRecord(record),
        deflated,
        crc: rawCrc,
        size: b.bytes.length,
        mtimeSeconds,
      }),
    );
    index++;
  }
  const summary: SegmentRecord = { ...tally.summary(o.writtenMax), blocks: index, rawBytes: raw.length };
  const record = encodeSegmentRecord(summary);
  const member = (kind: string) =>
    encodeMember({ kind, data: record, deflated: EMPTY_DEFLATE, crc: 0, size: 0, mtimeSeconds });
  const parts = [...member('H'), ...blockParts, ...member('T')];
  return { parts, bytes: parts.reduce((sum, p) => sum + p.length, 0), summary };
}
