/**
 * A sealed segment's summary, read without inflating it: for range reads (skip a segment),
 * recovery (where positions continue) and pruning (when the segment was written).
 *
 * A block segment carries its summary twice, in the first member and the last, each with a
 * CRC-32. A legacy segment (one gzip
 * member, sealed by versions before block segments) carries `mtj1;n=..;t=a..b;w=..` or
 * `mtj2;...;p=first..end` in the gzip header's file-name field, which nothing checks: it is
 * returned as untrusted, and readers must not skip events on its word.
 */
import { open } from 'node:fs/promises';
import {
  decodeSegmentRecord,
  encodeSegmentRecord,
  type SealedSummary,
  type SegmentRecord,
  SUMMARY_MEMBER_BYTES,
} from './block-format';
import { readMemberHeader } from './gzip-member';

/** A sealed segment's summary and whether it can be trusted. */
export interface SummaryRead {
  summary: SealedSummary;
  /** True when it passed its CRC and its other copy agrees (block segments); false for a legacy file-name summary or disagreeing copies. */
  trusted: boolean;
  /** Legacy only: the gzip header's MTIME (seconds), which the legacy sealer set from `writtenMax`. */
  legacyMtimeSeconds?: number;
}

function recordAt(buf: Buffer, pos: number, kind: string): SegmentRecord | null {
  const m = readMemberHeader(buf, pos);
  if (!m || m.kind !== kind) return null;
  try {
    return decodeSegmentRecord(m.data);
  } catch {
    return null; // a newer version's record: not ours to trust
  }
}

/**
 * Reads the summary of the sealed segment at `path` from its first and last few hundred bytes.
 * A block segment's summary is trusted when its intact copies agree: both, or the one left when
 * the other is damaged. Two intact copies that disagree were edited, and neither is trusted.
 * Null when there is none to read (both copies damaged, or not a segment).
 */
export async function readSealedSummary(path: string): Promise<SummaryRead | null> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(256);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const b = head.subarray(0, bytesRead);
    const header = recordAt(b, 0, 'H');
    let trailer: SegmentRecord | null = null;
    const size = (await fh.stat()).size;
    if (size >= SUMMARY_MEMBER_BYTES) {
      const tail = Buffer.alloc(SUMMARY_MEMBER_BYTES);
      await fh.read(tail, 0, tail.length, size - tail.length);
      trailer = recordAt(tail, 0, 'T');
    }
    if (header && trailer) {
      const agree = encodeSegmentRecord(header).equals(encodeSegmentRecord(trailer));
      return { summary: header, trusted: agree };
    }
    const one = header ?? trailer;
    if (one) return { summary: one, trusted: true };
    return parseLegacySummary(b);
  } finally {
    await fh.close();
  }
}

const LEGACY_RE = /^mtj([12]);n=(\d+);t=(\d+)\.\.(\d+);w=(\d+)(?:;p=(\d+)\.\.(\d+))?$/;

/** The file-name summary of a legacy sealed segment (untrusted), or null. */
export function parseLegacySummary(b: Buffer): SummaryRead | null {
  if (b.length < 10 || b[0] !== 0x1f || b[1] !== 0x8b || b[2] !== 8) return null;
  const flags = b[3] as number;
  let pos = 10;
  if (flags & 4) pos += 2 + b.readUInt16LE(pos);
  if (!(flags & 8) || pos >= b.length) return null;
  const end = b.indexOf(0, pos);
  if (end === -1) return null;
  const m = LEGACY_RE.exec(b.toString('latin1', pos, end));
  if (!m || (m[1] === '2') !== (m[6] !== undefined)) return null;
  const summary: SealedSummary = {
    events: Number(m[2]),
    tMin: Number(m[3]),
    tMax: Number(m[4]),
    writtenMax: Number(m[5]),
  };
  if (m[6] !== undefined) {
    summary.first = Number(m[6]);
    summary.end = Number(m[7]);
  }
  return { summary, trusted: false, legacyMtimeSeconds: b.readUInt32LE(4) };
}
