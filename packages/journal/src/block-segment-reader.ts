/**
 * Reads the structure of a block segment without inflating it: which members are intact, which
 * bytes are damaged, which blocks those bytes cost, and whether the summary can be trusted. Then
 * {@link inflateBlock} inflates one block and checks it.
 *
 * A reader walks the members front to back using the lengths in their records (trusted because
 * each record passed its CRC-32). After damaged bytes it resyncs on the next member whose record
 * passes its CRC. Blocks are numbered, so blocks hidden in damaged bytes show up as missing numbers,
 * and their raw range and event count follow from the neighbouring blocks (or the summary).
 */
import { crc32, inflateRawSync } from 'node:zlib';
import {
  type BlockRecord,
  decodeBlockRecord,
  decodeSegmentRecord,
  RecordVersionError,
  type SegmentRecord,
  SUMMARY_MEMBER_BYTES,
} from './block-format';
import {
  EMPTY_DEFLATE,
  findNextMember,
  GZIP_TRAILER_BYTES,
  type MemberHeader,
  readGzipTrailer,
  readMemberHeader,
} from './gzip-member';

/** A block whose record is intact. */
export interface ParsedBlock {
  record: BlockRecord;
  /** Offset of its member in the file, and just past its end. */
  fileOffset: number;
  fileEnd: number;
  /** The compressed bytes (a view), when they are all there and match their CRC-32; else null. */
  deflated: Buffer | null;
}

/** What is wrong with a block segment, in the words of `CorruptionEntry`. */
export interface BlockSegmentIssue {
  /** Where in the file the problem is (to report it in file order, among the blocks). */
  fileOffset: number;
  reason: 'block' | 'summary' | 'framing';
  /** Raw (uncompressed) range whose frames are lost; 0 bytes when nothing is lost. */
  rawOffset: number;
  rawBytes: number;
  /** Events lost, when the records around the damage tell. */
  events?: number;
  message: string;
}

/** The structure of a block segment. */
export interface ParsedBlockSegment {
  /** The summary to use: the header's, else the trailer's; null when neither can be trusted. */
  summary: SegmentRecord | null;
  /** Intact blocks in file order. */
  blocks: ParsedBlock[];
  /** Every problem found, in file order. */
  issues: BlockSegmentIssue[];
}

function summaryOf(m: MemberHeader): SegmentRecord | RecordVersionError {
  try {
    return decodeSegmentRecord(m.data);
  } catch (err) {
    if (err instanceof RecordVersionError) return err;
    throw err;
  }
}

/** True when an empty member (header or trailer) has exactly the bytes this format writes after its header. */
function emptyMemberIntact(buf: Buffer, m: MemberHeader): boolean {
  const d = m.dataOffset;
  const t = readGzipTrailer(buf, d + EMPTY_DEFLATE.length);
  return buf[d] === EMPTY_DEFLATE[0] && buf[d + 1] === EMPTY_DEFLATE[1] && t?.crc === 0 && t.size === 0;
}

/**
 * Parses a sealed file as a block segment. Null when no member of this format is found at all:
 * the file is a legacy (single-member gzip) segment, or unrecognisably damaged.
 */
export function parseBlockSegment(buf: Buffer): ParsedBlockSegment | null {
  const issues: BlockSegmentIssue[] = [];
  const blocks: ParsedBlock[] = [];
  /** Damaged file ranges (not inside any intact member). */
  const damaged: { offset: number; end: number }[] = [];
  let header: SegmentRecord | null = null;
  let trailer: SegmentRecord | null = null;
  let headerData: Buffer | null = null;
  let trailerData: Buffer | null = null;
  let members = 0;
  let sawHeader = false;
  let sawTrailer = false;
  let pos = 0;
  while (pos < buf.length) {
    let m = readMemberHeader(buf, pos);
    if (!m) {
      m = findNextMember(buf, pos + 1);
      damaged.push({ offset: pos, end: m ? m.offset : buf.length });
      if (!m) break;
      pos = m.offset;
    }
    members++;
    if (!m.headerCrcOk) {
      issues.push({
        fileOffset: m.offset,
        reason: 'framing',
        rawOffset: 0,
        rawBytes: 0,
        message: `gzip header of the member at file offset ${m.offset} fails its CRC16 (MTIME, XFL or OS damaged); its record is intact and was used`,
      });
    }
    if (m.kind === 'B') {
      pos = readBlock(buf, m, blocks, issues);
      continue;
    }
    // Header or trailer: an empty member carrying the summary.
    if (m.kind === 'H') sawHeader = true;
    else sawTrailer = true;
    const s = summaryOf(m);
    if (s instanceof RecordVersionError) {
      issues.push({ fileOffset: m.offset, reason: 'summary', rawOffset: 0, rawBytes: 0, message: s.message });
    } else if (m.kind === 'H' && header === null && blocks.length === 0) {
      header = s;
      headerData = m.data;
    } else if (m.kind === 'T' && trailer === null) {
      trailer = s;
      trailerData = m.data;
    }
    if (!emptyMemberIntact(buf, m)) {
      issues.push({
        fileOffset: m.offset,
        reason: 'framing',
        rawOffset: 0,
        rawBytes: 0,
        message: `the ${m.kind === 'H' ? 'header' : 'trailer'} member at file offset ${m.offset} has damaged gzip data or trailer bytes; its record is intact and was used`,
      });
    }
    pos = Math.min(buf.length, m.dataOffset + EMPTY_DEFLATE.length + GZIP_TRAILER_BYTES);
  }
  if (members === 0) return null;

  let summary: SegmentRecord | null = header ?? trailer;
  if (headerData && trailerData && !headerData.equals(trailerData)) {
    summary = null;
    issues.push({
      fileOffset: 0,
      reason: 'summary',
      rawOffset: 0,
      rawBytes: 0,
      message:
        'the header and trailer summaries are both intact but disagree (edited?); neither is trusted, the segment is read whole',
    });
  }
  lostBlocks(buf, blocks, damaged, summary, sawHeader, sawTrailer, issues);
  issues.sort((a, b) => a.fileOffset - b.fileOffset);
  return { summary, blocks, issues };
}

/** Reads the block member `m` into `blocks` (or an issue); returns where the next member starts. */
function readBlock(buf: Buffer, m: MemberHeader, blocks: ParsedBlock[], issues: BlockSegmentIssue[]): number {
  let record: BlockRecord;
  try {
    record = decodeBlockRecord(m.data);
  } catch (err) {
    if (!(err instanceof RecordVersionError)) throw err;
    // Not readable by this version: go on with the next member this version can read.
    issues.push({ fileOffset: m.offset, reason: 'block', rawOffset: 0, rawBytes: 0, message: err.message });
    return findNextMember(buf, m.offset + 1)?.offset ?? buf.length;
  }
  const end = m.dataOffset + record.compressedBytes;
  const lost = (why: string) =>
    issues.push({
      fileOffset: m.offset,
      reason: 'block',
      rawOffset: record.rawOffset,
      rawBytes: record.rawBytes,
      events: record.events,
      message: `block ${record.index} (file offset ${m.offset}, ${record.events} events) ${why}; its frames are lost, the other blocks are read`,
    });
  let deflated: Buffer | null = null;
  if (end > buf.length) lost(`is cut off: the file ends ${end - buf.length} bytes into its compressed data`);
  else if (crc32(buf.subarray(m.dataOffset, end)) !== record.compressedCrc)
    lost('has compressed bytes that fail their CRC-32');
  else deflated = buf.subarray(m.dataOffset, end);
  const fileEnd = Math.min(buf.length, end + GZIP_TRAILER_BYTES);
  blocks.push({ record, fileOffset: m.offset, fileEnd, deflated });
  const t = readGzipTrailer(buf, end);
  if (deflated && (t?.crc !== record.rawCrc || t.size !== record.rawBytes % 2 ** 32)) {
    issues.push({
      fileOffset: m.offset,
      reason: 'framing',
      rawOffset: record.rawOffset,
      rawBytes: 0,
      message: `the gzip trailer of block ${record.index} (file offset ${end}) is damaged; the block's data is intact and was kept`,
    });
  }
  return fileEnd;
}

/**
 * Turns damaged ranges into issues: the blocks missing between intact ones (by number) are lost,
 * with their raw range and events from the neighbours; damage that hides no block is the header
 * or trailer (or bytes between members).
 */
function lostBlocks(
  buf: Buffer,
  blocks: ParsedBlock[],
  damaged: { offset: number; end: number }[],
  summary: SegmentRecord | null,
  /** Whether a header / trailer member was found at all (intact record or not). */
  hasHeader: boolean,
  hasTrailer: boolean,
  issues: BlockSegmentIssue[],
): void {
  const expected = summary?.blocks;
  const firstBlockAt = blocks[0]?.fileOffset ?? buf.length;
  const lastBlockEnd = blocks.at(-1)?.fileEnd ?? 0;
  // Gaps in the block numbers, each with the intact blocks around it.
  for (let i = 0; i <= blocks.length; i++) {
    const prev = blocks[i - 1];
    const next = blocks[i];
    const from = prev ? prev.record.index + 1 : 0;
    const to = next ? next.record.index : (expected ?? from);
    if (to <= from) continue;
    const rawOffset = prev ? prev.record.rawOffset + prev.record.rawBytes : 0;
    const rawEnd = next ? next.record.rawOffset : (summary?.rawBytes ?? rawOffset);
    const firstPos = prev ? prev.record.end : summary?.first;
    const endPos = next ? next.record.first : summary?.end;
    const events = firstPos !== undefined && endPos !== undefined ? endPos - firstPos : undefined;
    const at = prev?.fileEnd ?? 0;
    const range = damaged.find((d) => d.end > at && d.offset < (next?.fileOffset ?? buf.length));
    if (range) damaged.splice(damaged.indexOf(range), 1);
    const which = to - from === 1 ? `block ${from} is` : `blocks ${from}..${to - 1} are`;
    issues.push({
      fileOffset: range?.offset ?? at,
      reason: 'block',
      rawOffset,
      rawBytes: Math.max(0, rawEnd - rawOffset),
      events,
      message: `${which} damaged beyond reading or missing${range ? ` (file bytes ${range.offset}..${range.end})` : ''}${events !== undefined ? `: ${events} events lost` : ''}; the other blocks are read`,
    });
  }
  // Damage that hid no block: in the header or trailer member, or between blocks.
  let headerReported = hasHeader;
  let trailerReported = hasTrailer;
  for (const d of damaged) {
    const inHeader = d.end <= firstBlockAt;
    const inTrailer = !inHeader && d.offset >= lastBlockEnd;
    headerReported ||= inHeader;
    trailerReported ||= inTrailer;
    if (inTrailer && expected === undefined && d.end - d.offset > SUMMARY_MEMBER_BYTES) {
      // No trusted block count, and more damage than a trailer: blocks may hide in it.
      issues.push({
        fileOffset: d.offset,
        reason: 'block',
        rawOffset: blocks.at(-1)
          ? (blocks.at(-1) as ParsedBlock).record.rawOffset + (blocks.at(-1) as ParsedBlock).record.rawBytes
          : 0,
        rawBytes: 0,
        message: `${d.end - d.offset} damaged bytes at file offset ${d.offset}, after the last intact block, with no trusted summary to count blocks: the blocks after it, if any, are lost`,
      });
      continue;
    }
    const where = inHeader ? 'the header member' : inTrailer ? 'the trailer member' : 'bytes between blocks';
    const copy =
      inHeader || inTrailer
        ? summary
          ? ', the other copy of the summary is used'
          : ', the segment is read whole'
        : '';
    issues.push({
      fileOffset: d.offset,
      reason: inHeader || inTrailer ? 'summary' : 'framing',
      rawOffset: 0,
      rawBytes: 0,
      message: `${d.end - d.offset} damaged bytes at file offset ${d.offset} (${where}); no frames lost${copy}`,
    });
  }
  if (!headerReported) {
    issues.push({
      fileOffset: 0,
      reason: 'summary',
      rawOffset: 0,
      rawBytes: 0,
      message: 'the header member is missing',
    });
  }
  if (!trailerReported) {
    issues.push({
      fileOffset: buf.length,
      reason: 'summary',
      rawOffset: summary?.rawBytes ?? 0,
      rawBytes: 0,
      message: 'the trailer member is missing (the file may be cut short)',
    });
  }
}

/** Inflates an intact block and checks its length and CRC-32; an Error when it does not inflate to what its record says. */
export function inflateBlock(b: ParsedBlock): Buffer | Error {
  if (!b.deflated) return new Error('compressed bytes damaged');
  let out: Buffer;
  try {
    out = inflateRawSync(b.deflated);
  } catch (err) {
    return err as Error;
  }
  if (out.length !== b.record.rawBytes || crc32(out) !== b.record.rawCrc) {
    return new Error(
      `inflates to ${out.length} bytes that do not match the record (${b.record.rawBytes} bytes and their CRC-32)`,
    );
  }
  return out;
}
