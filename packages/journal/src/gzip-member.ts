/**
 * One gzip member (RFC 1952) as block segments use it: a fixed header with exactly one extra
 * subfield (`'M'` + a kind letter) and a header CRC, raw-deflate data, and the gzip trailer.
 *
 * ```
 * offset     size  field
 * 0          4     1f 8b 08 06: gzip, deflate, FLG = FEXTRA | FHCRC
 * 4          4     MTIME, uint32 LE (seconds; informational)
 * 8          1     XFL = 0
 * 9          1     OS = 255 (unknown)
 * 10         2     XLEN = LEN + 4, uint16 LE
 * 12         2     subfield id: 'M' and the kind ('H' header, 'B' block, 'T' trailer)
 * 14         2     LEN, uint16 LE
 * 16         LEN   subfield data (its last 4 bytes: CRC-32 of the bytes before them)
 * 16 + LEN   2     CRC16: low 16 bits of the CRC-32 of bytes [0, 16 + LEN)
 * 18 + LEN   clen  raw deflate data
 * …          4     CRC-32 of the uncompressed data, uint32 LE
 * …          4     ISIZE: uncompressed length mod 2^32, uint32 LE
 * ```
 *
 * Every byte is covered by a check: the fixed bytes by comparison, MTIME/XFL/OS by the header
 * CRC16, the subfield by its own CRC-32, the deflate data by the CRC-32 of the compressed bytes
 * the block subfield carries, and the gzip trailer by comparison with the subfield's CRC-32 and
 * length of the uncompressed bytes. Being plain gzip members, a block segment still inflates with
 * `gunzip`/`zcat` (multi-member gzip) to exactly the raw segment's bytes.
 */
import { crc32 } from 'node:zlib';

/** Bytes of a member before its subfield data: ID1 ID2 CM FLG MTIME XFL OS XLEN SI1 SI2 LEN. */
export const MEMBER_PREFIX_BYTES = 16;
/** Bytes of the gzip trailer: CRC-32 and ISIZE. */
export const GZIP_TRAILER_BYTES = 8;
/** The raw deflate encoding of zero bytes: what the header and trailer members carry. */
export const EMPTY_DEFLATE: Uint8Array = Uint8Array.of(0x03, 0x00);

const FLG_FEXTRA_FHCRC = 0x06;
const OS_UNKNOWN = 0xff;
const SI1 = 0x4d; // 'M'

/** What {@link encodeMember} needs. */
export interface MemberParts {
  /** The subfield's kind letter ('H', 'B' or 'T'). */
  kind: string;
  /** The subfield data, its CRC-32 already appended (see block-format.ts). */
  data: Uint8Array;
  /** Raw deflate data. */
  deflated: Uint8Array;
  /** CRC-32 and length of the uncompressed data, for the gzip trailer. */
  crc: number;
  size: number;
  /** MTIME field (seconds). */
  mtimeSeconds: number;
}

/** The bytes of one member, as a list of buffers to write one after the other (no copy of the data). */
export function encodeMember(p: MemberParts): Uint8Array[] {
  const len = p.data.length;
  const head = Buffer.alloc(MEMBER_PREFIX_BYTES + len + 2);
  head[0] = 0x1f;
  head[1] = 0x8b;
  head[2] = 0x08;
  head[3] = FLG_FEXTRA_FHCRC;
  head.writeUInt32LE(p.mtimeSeconds >>> 0, 4);
  head[8] = 0;
  head[9] = OS_UNKNOWN;
  head.writeUInt16LE(len + 4, 10);
  head[12] = SI1;
  head[13] = p.kind.charCodeAt(0);
  head.writeUInt16LE(len, 14);
  head.set(p.data, MEMBER_PREFIX_BYTES);
  head.writeUInt16LE(crc32(head.subarray(0, MEMBER_PREFIX_BYTES + len)) & 0xffff, MEMBER_PREFIX_BYTES + len);
  const trailer = Buffer.alloc(GZIP_TRAILER_BYTES);
  trailer.writeUInt32LE(p.crc >>> 0, 0);
  trailer.writeUInt32LE(p.size >>> 0, 4);
  return [head, p.deflated, trailer];
}

/** A member header found at some offset whose subfield passed its CRC-32 (so its lengths can be trusted). */
export interface MemberHeader {
  /** Offset of the member in the buffer. */
  offset: number;
  /** The subfield's kind letter. */
  kind: string;
  /** The subfield data (a view), CRC-32 included. */
  data: Buffer;
  /** Offset of the deflate data. */
  dataOffset: number;
  /** False when the header CRC16 does not match: MTIME, XFL or OS (or the CRC16 itself) is damaged. */
  headerCrcOk: boolean;
}

/** Subfield kinds of block segments: header, block, trailer. */
const KINDS = new Set(['H', 'B', 'T']);

/**
 * Reads the member header at `pos` if it has the shape of a block-segment member (fixed bytes,
 * one known subfield) and its subfield passes its CRC-32; null otherwise. The subfield's length
 * is not fixed here, so a newer version's member is still recognised (and reported as such).
 */
export function readMemberHeader(buf: Buffer, pos: number): MemberHeader | null {
  if (pos + MEMBER_PREFIX_BYTES > buf.length) return null;
  if (
    buf[pos] !== 0x1f ||
    buf[pos + 1] !== 0x8b ||
    buf[pos + 2] !== 0x08 ||
    buf[pos + 3] !== FLG_FEXTRA_FHCRC
  )
    return null;
  if (buf[pos + 12] !== SI1) return null;
  const kind = String.fromCharCode(buf[pos + 13] as number);
  const len = buf.readUInt16LE(pos + 14);
  if (!KINDS.has(kind) || len < 5 || buf.readUInt16LE(pos + 10) !== len + 4) return null;
  const dataStart = pos + MEMBER_PREFIX_BYTES;
  const dataEnd = dataStart + len;
  if (dataEnd + 2 > buf.length) return null;
  const data = buf.subarray(dataStart, dataEnd);
  if (crc32(data.subarray(0, len - 4)) !== data.readUInt32LE(len - 4)) return null;
  const headerCrcOk = (crc32(buf.subarray(pos, dataEnd)) & 0xffff) === buf.readUInt16LE(dataEnd);
  return { offset: pos, kind, data, dataOffset: dataEnd + 2, headerCrcOk };
}

/** The gzip trailer at `pos`, or null when it lies past the end of the buffer. */
export function readGzipTrailer(buf: Buffer, pos: number): { crc: number; size: number } | null {
  if (pos + GZIP_TRAILER_BYTES > buf.length) return null;
  return { crc: buf.readUInt32LE(pos), size: buf.readUInt32LE(pos + 4) };
}

const MEMBER_MAGIC = Buffer.from([0x1f, 0x8b, 0x08, FLG_FEXTRA_FHCRC]);

/**
 * The next member header at or after `from` whose subfield passes its CRC-32, or null: how a
 * reader resyncs after damage. A false match needs the 4-byte magic, the subfield shape and a
 * matching CRC-32 by chance.
 */
export function findNextMember(buf: Buffer, from: number): MemberHeader | null {
  let q = from;
  while ((q = buf.indexOf(MEMBER_MAGIC, q)) !== -1) {
    const m = readMemberHeader(buf, q);
    if (m) return m;
    q++;
  }
  return null;
}
