/**
 * The payload of one frame: a batch of events encoded column by column, then packed with
 * msgpackr as the envelope `{ v, n, lo, hi, o, c, urls, sites, offs, cols }`.
 *
 * `o` (format 2) is the journal position of the frame's first event: every event the writer
 * ever appended has a position, counted from 0 and never reused, so `[o, o + n)` are this
 * frame's. `c: true` marks a cut after the frame — the position `o + n` at which the tracker cut
 * its live indexes into deltas and merged them — so a replay reproduces exactly the deltas the
 * live tracker merged (a frame may hold no events and only a cut). Format 1 frames (no `o`, no
 * `c`) are still read: their positions follow the previous frame's.
 *
 * `cols` holds, one after the other: kind codes (1 byte each), `t` (first value as a varint, then
 * zigzag varint deltas), url ids, site ids (absent when the frame has one site), x, y, vw, vh (all
 * unsigned varints). `offs` gives the start of each column after the kinds, so the decoder reads
 * all columns in one pass with one cursor each. Grouping similar bytes together is what lets gzip
 * bring a sealed segment to a few bytes per event; `lo`/`hi` (smallest and largest `t`) let a
 * reader skip frames outside its time range without decoding them.
 */
import type { HeatEvent } from '@monkeytracker/grid';
import { Packr } from 'msgpackr';
import { ByteWriter } from './byte-writer';
import { type EventStage, KIND_BY_CODE } from './event-stage';

/** The payload format version written by this code. */
export const BATCH_FORMAT_VERSION = 2;

/** A decoded envelope: everything but the events themselves. */
export interface BatchEnvelope {
  v: number;
  /** Number of events. */
  n: number;
  /** Position of the first event (format 2; absent in format 1). */
  o?: number;
  /** A cut after this frame (format 2). */
  c?: boolean;
  /** Smallest event time in the batch. */
  lo: number;
  /** Largest event time in the batch. */
  hi: number;
  urls: string[];
  sites: string[];
  /** Start offsets in `cols` of: t, url ids, site ids, x, y, vw, vh. */
  offs: number[];
  cols: Uint8Array;
}

// Records (msgpackr's shared-structure extension) are off: each frame must decode on its own.
const packr = new Packr({ useRecords: false });
const scratch = new ByteWriter();

/** Encodes the staged events as one msgpackr payload. The stage is left untouched. */
export function encodeBatch(stage: EventStage): Uint8Array {
  const n = stage.n;
  const w = scratch;
  w.reset();
  // Worst case: 1 kind byte + 8 bytes of t + 6 varints of ≤ 5 bytes per event.
  w.ensure(n * 39 + 16);
  const b = w.bytes;
  b.set(stage.kinds.subarray(0, n), 0);
  w.length = n;
  const offs = [0, 0, 0, 0, 0, 0, 0];
  offs[0] = w.length;
  const ts = stage.ts;
  if (n > 0) {
    let prev = ts[0] as number;
    w.uvarint(prev);
    for (let i = 1; i < n; i++) {
      const t = ts[i] as number;
      w.svarint(t - prev);
      prev = t;
    }
  }
  offs[1] = w.length;
  writeColumn(w, stage.urlIds, n);
  offs[2] = w.length;
  if (stage.sites.length > 1) writeColumn(w, stage.siteIds, n);
  offs[3] = w.length;
  writeColumn(w, stage.xs, n);
  offs[4] = w.length;
  writeColumn(w, stage.ys, n);
  offs[5] = w.length;
  writeColumn(w, stage.vws, n);
  offs[6] = w.length;
  writeColumn(w, stage.vhs, n);
  const envelope: BatchEnvelope = {
    v: BATCH_FORMAT_VERSION,
    n,
    o: stage.first,
    c: stage.cutAfter,
    lo: n > 0 ? stage.lo : 0,
    hi: n > 0 ? stage.hi : 0,
    urls: stage.urls,
    sites: stage.sites,
    offs,
    cols: w.bytes.subarray(0, w.length),
  };
  return packr.pack(envelope);
}

/** Writes `n` uint32 values as varints (room already reserved by the caller). */
function writeColumn(w: ByteWriter, col: Uint32Array, n: number): void {
  const b = w.bytes;
  let p = w.length;
  for (let i = 0; i < n; i++) {
    let v = col[i] as number;
    while (v > 0x7f) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
  }
  w.length = p;
}

/** Thrown (internally) when a payload passed its checksum but is not a batch this code can read. */
export class BatchDecodeError extends Error {}

/** Unpacks and checks a payload's envelope without decoding its events. */
export function decodeEnvelope(payload: Uint8Array): BatchEnvelope {
  let env: BatchEnvelope;
  try {
    env = packr.unpack(payload) as BatchEnvelope;
  } catch (err) {
    throw new BatchDecodeError('payload is not valid msgpack', { cause: err });
  }
  if (typeof env !== 'object' || env === null) throw new BatchDecodeError('payload is not an envelope');
  if (env.v !== 1 && env.v !== 2) throw new BatchDecodeError(`unknown batch format version ${String(env.v)}`);
  if (env.v === 2 && (!Number.isSafeInteger(env.o) || (env.o as number) < 0 || typeof env.c !== 'boolean')) {
    throw new BatchDecodeError('format 2 envelope without a valid position or cut flag');
  }
  const { n, urls, sites, offs, cols } = env;
  if (
    !Number.isInteger(n) ||
    n < 0 ||
    !Array.isArray(urls) ||
    !Array.isArray(sites) ||
    !Array.isArray(offs) ||
    offs.length !== 7 ||
    !(cols instanceof Uint8Array) ||
    typeof env.lo !== 'number' ||
    typeof env.hi !== 'number'
  ) {
    throw new BatchDecodeError('envelope fields are missing or malformed');
  }
  return env;
}

/**
 * Decodes the events of an envelope, keeping those with `from <= t < to` and an index of at
 * least `skip` (events before a position), in order. Throws {@link BatchDecodeError} when the
 * columns do not match the envelope.
 */
export function decodeEvents(env: BatchEnvelope, from: number, to: number, skip = 0): HeatEvent[] {
  const { n, urls, sites, offs, cols: c } = env;
  const out: HeatEvent[] = [];
  if (n === 0) return out;
  const oneSite = sites.length === 1 ? (sites[0] as string) : undefined;
  // One cursor per column: t, url id, site id, x, y, vw, vh.
  let pt = offs[0] as number;
  let pu = offs[1] as number;
  let ps = offs[2] as number;
  let px = offs[3] as number;
  let py = offs[4] as number;
  let pw = offs[5] as number;
  let ph = offs[6] as number;
  let t = 0;
  for (let i = 0; i < n; i++) {
    // t: first value plain, then zigzag deltas; may exceed 2^32, so no bitwise maths here.
    let v = 0;
    let mul = 1;
    let byte: number;
    do {
      byte = c[pt++] as number;
      v += (byte & 0x7f) * mul;
      mul *= 128;
    } while (byte & 0x80);
    if (i === 0) t = v;
    else t += v % 2 === 0 ? v / 2 : -(v + 1) / 2;
    let shift: number;
    let u = 0;
    shift = 0;
    do {
      byte = c[pu++] as number;
      u |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    let site = oneSite;
    if (site === undefined) {
      let s = 0;
      shift = 0;
      do {
        byte = c[ps++] as number;
        s |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte & 0x80);
      site = sites[s];
    }
    let x = 0;
    shift = 0;
    do {
      byte = c[px++] as number;
      x |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    x >>>= 0;
    let y = 0;
    shift = 0;
    do {
      byte = c[py++] as number;
      y |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    y >>>= 0;
    let vw = 0;
    shift = 0;
    do {
      byte = c[pw++] as number;
      vw |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    vw >>>= 0;
    let vh = 0;
    shift = 0;
    do {
      byte = c[ph++] as number;
      vh |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    vh >>>= 0;
    const url = urls[u >>> 0];
    const kind = KIND_BY_CODE[c[i] as number];
    if (url === undefined || site === undefined || kind === undefined) {
      throw new BatchDecodeError(`event ${i} refers to an unknown url, site or kind`);
    }
    if (t >= from && t < to && i >= skip) out.push({ kind, url, x, y, vw, vh, t, site });
  }
  // Reading past the end of a column yields `undefined` (→ 0) rather than throwing; catch it here.
  if (
    pt !== offs[1] ||
    pu !== offs[2] ||
    ps !== offs[3] ||
    px !== offs[4] ||
    py !== offs[5] ||
    pw !== offs[6] ||
    ph !== c.length
  ) {
    throw new BatchDecodeError('column lengths do not match the envelope');
  }
  return out;
}
