/**
 * Inflating a legacy sealed segment: one gzip member holding the whole raw segment, as versions
 * before block segments sealed them. Nothing but the gzip trailer checks it, so damage anywhere
 * costs everything after it; what can be saved is what inflates before the damage.
 *
 * The fast path gunzips in 1 MiB chunks. When that fails, the deflate data is inflated again on
 * its own, in small chunks, without the gzip wrapper, and kept if it got further: that keeps
 * everything before the damage (a failed stream drops its last, partly filled chunk), and all of
 * it when only the trailer is damaged. Deflate itself rarely notices a damaged byte (it inflates
 * to wrong bytes instead), so the inflated bytes are only as good as the frames' own CRC-32s,
 * which the reader checks anyway: damaged frames are skipped and reported there.
 */
import { crc32, createGunzip, createInflateRaw } from 'node:zlib';

const GUNZIP_CHUNK_BYTES = 1024 * 1024;
const SALVAGE_CHUNK_BYTES = 16 * 1024;

/** What could be inflated. */
export interface LegacyInflate {
  bytes: Buffer;
  /** Why inflating stopped early, or null when the deflate data ended properly. */
  error: Error | null;
  /** The deflate data ended properly but the gzip trailer (CRC-32, length) does not match what it inflated to. */
  trailerMismatch: boolean;
}

function inflateStream(
  stream: ReturnType<typeof createGunzip>,
  data: Uint8Array,
): Promise<{ bytes: Buffer; error: Error | null }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (error: Error | null) => {
      if (done) return;
      done = true;
      resolve({ bytes: Buffer.concat(chunks), error });
    };
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (err) => finish(err));
    stream.on('end', () => finish(null));
    stream.end(data);
  });
}

/** Offset of the deflate data of the gzip member in `b` (RFC 1952 header), or -1. */
function deflateStart(b: Buffer): number {
  if (b.length < 18 || b[0] !== 0x1f || b[1] !== 0x8b || b[2] !== 8) return -1;
  const flags = b[3] as number;
  let pos = 10;
  if (flags & 4) pos += 2 + b.readUInt16LE(pos);
  for (const bit of [8, 16]) {
    if (flags & bit) {
      const end = b.indexOf(0, pos);
      if (end === -1) return -1;
      pos = end + 1;
    }
  }
  if (flags & 2) pos += 2;
  return pos < b.length ? pos : -1;
}

/** Inflates a legacy sealed segment as far as it goes; see the module comment. */
export async function inflateLegacy(data: Buffer): Promise<LegacyInflate> {
  // Large chunks: the default 16 KiB costs one thread-pool round trip per 16 KiB of output.
  const fast = await inflateStream(createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES }), data);
  if (!fast.error) return { ...fast, trailerMismatch: false };
  const start = deflateStart(data);
  if (start === -1) return { ...fast, trailerMismatch: false };
  const slow = await inflateStream(
    createInflateRaw({ chunkSize: SALVAGE_CHUNK_BYTES }),
    data.subarray(start),
  );
  if (slow.bytes.length <= fast.bytes.length) return { ...fast, trailerMismatch: false };
  if (slow.error) return { ...slow, trailerMismatch: false };
  const t = data.subarray(data.length - 8);
  const trailerOk =
    t.readUInt32LE(0) === crc32(slow.bytes) && t.readUInt32LE(4) === slow.bytes.length % 2 ** 32;
  return { bytes: slow.bytes, error: trailerOk ? fast.error : null, trailerMismatch: !trailerOk };
}
