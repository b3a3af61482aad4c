/**
 * The payload of one frame: a batch of events encoded column by column, then packed with
 * msgpackr as the envelope `{ v, n, o, c, lo, hi, urls, sites, sels, offs, cols }`.
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
 *
 * Format 3 adds the element an event hit (`sel`, `ox`, `oy`, `ew`, `eh` of a `HeatEvent`) and the
 * kinds `rage` (3) and `dead` (4). `sels` is the frame's selector dictionary; after `vh` come the
 * selector ids (one varint per event: 0 = no element, else dictionary index + 1), then the
 * element section: ox, oy, ew, eh (four varints, interleaved) of each event that has an element,
 * in event order. `offs` has 9 entries: the 7 above, the start of the selector ids and the start
 * of the element section. A frame without any element has `sels: []` and both empty (not one
 * zero byte per event). Interleaved rather than four columns: one cursor to decode, and in the
 * measured traffic a box (ew, eh) repeats per element, which deflate matches better when the
 * four values stay together (0.4 bytes/event smaller sealed than four columns). Formats 1 and 2
 * are still read; their events come back without an element (`sel: ''`, the four numbers 0).
 */
import type { HeatEvent } from '@monkeytracker/grid';
import { Packr } from 'msgpackr';
import { ByteWriter } from './byte-writer';
import { type EventStage, KIND_BY_CODE, MAX_ELEMENT_OFFSET } from './event-stage';

/** The payload format version written by this code. */
export const BATCH_FORMAT_VERSION = 3;

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
  /** The selector dictionary (format 3; absent before). Empty when no event has an element. */
  sels?: string[];
  /**
   * Start offsets in `cols` of: t, url ids, site ids, x, y, vw, vh, and (format 3) selector ids
   * and the element section (ox, oy, ew, eh per event with an element).
   */
  offs: number[];
  cols: Uint8Array;
}

const NO_SELECTORS: readonly string[] = [];
/** The kinds formats 1 and 2 can hold: a code past them in such a frame is damage, not a rage click. */
const KIND_BY_CODE_V2: readonly string[] = KIND_BY_CODE.slice(0, 3);

// Records (msgpackr's shared-structure extension) are off: each frame must decode on its own.
const packr = new Packr({ useRecords: false });
const scratch = new ByteWriter();

/** Encodes the staged events as one msgpackr payload. The stage is left untouched. */
export function encodeBatch(stage: EventStage): Uint8Array {
  const n = stage.n;
  const w = scratch;
  w.reset();
  // Worst case: 1 kind byte + 8 bytes of t + 6 varints of ≤ 5 bytes per event, and with
  // elements a selector id (≤ 5), ox and oy (≤ 2 each) and ew and eh (≤ 5 each).
  const withElements = stage.sels.length > 0;
  w.ensure(n * (withElements ? 58 : 39) + 16);
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
  offs[7] = w.length;
  if (withElements) {
    writeColumn(w, stage.selIds, n);
    offs[8] = w.length;
    writeElements(w, stage, n);
  } else {
    offs[8] = w.length;
  }
  const envelope: BatchEnvelope = {
    v: BATCH_FORMAT_VERSION,
    n,
    o: stage.first,
    c: stage.cutAfter,
    lo: n > 0 ? stage.lo : 0,
    hi: n > 0 ? stage.hi : 0,
    urls: stage.urls,
    sites: stage.sites,
    sels: stage.sels,
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

/** Writes ox, oy, ew, eh as varints for each event `i < n` that has an element (room reserved). */
function writeElements(w: ByteWriter, stage: EventStage, n: number): void {
  const { selIds, oxs, oys, ews, ehs } = stage;
  const b = w.bytes;
  let p = w.length;
  for (let i = 0; i < n; i++) {
    if (selIds[i] === 0) continue;
    // ox and oy are at most 1000: two bytes at most.
    let v = oxs[i] as number;
    if (v > 0x7f) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
    v = oys[i] as number;
    if (v > 0x7f) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
    v = ews[i] as number;
    while (v > 0x7f) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
    v = ehs[i] as number;
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
  const v = env.v;
  if (v !== 1 && v !== 2 && v !== 3) throw new BatchDecodeError(`unknown batch format version ${String(v)}`);
  if (v >= 2 && (!Number.isSafeInteger(env.o) || (env.o as number) < 0 || typeof env.c !== 'boolean')) {
    throw new BatchDecodeError(`format ${v} envelope without a valid position or cut flag`);
  }
  const { n, urls, sites, offs, cols } = env;
  if (
    !Number.isInteger(n) ||
    n < 0 ||
    !Array.isArray(urls) ||
    !Array.isArray(sites) ||
    !Array.isArray(offs) ||
    offs.length !== (v === 3 ? 9 : 7) ||
    !(cols instanceof Uint8Array) ||
    typeof env.lo !== 'number' ||
    typeof env.hi !== 'number'
  ) {
    throw new BatchDecodeError('envelope fields are missing or malformed');
  }
  if (v === 3) {
    const sels = env.sels;
    if (!Array.isArray(sels)) throw new BatchDecodeError('format 3 envelope without a selector dictionary');
    for (let i = 0; i < sels.length; i++) {
      const s = sels[i];
      if (typeof s !== 'string' || s.length === 0) {
        throw new BatchDecodeError(`format 3 envelope: selector ${i} is not a non-empty string`);
      }
    }
  }
  return env;
}

/**
 * Decodes the events of an envelope, keeping those with `from <= t < to` and an index of at
 * least `skip` (events before a position), in order. Every event has the five element fields
 * (`sel: ''` and 0 without an element, and for format 1 and 2 frames). Throws
 * {@link BatchDecodeError} when the columns do not match the envelope.
 */
export function decodeEvents(env: BatchEnvelope, from: number, to: number, skip = 0): HeatEvent[] {
  const { n, urls, sites, offs, cols: c } = env;
  const out: HeatEvent[] = [];
  if (n === 0) return out;
  const oneSite = sites.length === 1 ? (sites[0] as string) : undefined;
  const v3 = env.v === 3;
  // Format 3 frames without any element (and older frames) skip all element work.
  const sels = v3 ? (env.sels as string[]) : (NO_SELECTORS as string[]);
  const withElements = sels.length > 0;
  const kinds = (v3 ? KIND_BY_CODE : KIND_BY_CODE_V2) as readonly HeatEvent['kind'][];
  // One cursor per column: t, url id, site id, x, y, vw, vh, selector id, element section.
  let pt = offs[0] as number;
  let pu = offs[1] as number;
  let ps = offs[2] as number;
  let px = offs[3] as number;
  let py = offs[4] as number;
  let pw = offs[5] as number;
  let ph = offs[6] as number;
  const vhEnd = v3 ? (offs[7] as number) : c.length;
  let pe = v3 ? (offs[7] as number) : 0;
  let pel = v3 ? (offs[8] as number) : 0;
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
    let sel: string | undefined = '';
    let ox = 0;
    let oy = 0;
    let ew = 0;
    let eh = 0;
    if (withElements) {
      let e = 0;
      shift = 0;
      do {
        byte = c[pe++] as number;
        e |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte & 0x80);
      if (e !== 0) {
        sel = sels[(e >>> 0) - 1];
        shift = 0;
        do {
          byte = c[pel++] as number;
          ox |= (byte & 0x7f) << shift;
          shift += 7;
        } while (byte & 0x80);
        ox >>>= 0;
        shift = 0;
        do {
          byte = c[pel++] as number;
          oy |= (byte & 0x7f) << shift;
          shift += 7;
        } while (byte & 0x80);
        oy >>>= 0;
        shift = 0;
        do {
          byte = c[pel++] as number;
          ew |= (byte & 0x7f) << shift;
          shift += 7;
        } while (byte & 0x80);
        ew >>>= 0;
        shift = 0;
        do {
          byte = c[pel++] as number;
          eh |= (byte & 0x7f) << shift;
          shift += 7;
        } while (byte & 0x80);
        eh >>>= 0;
        if (sel === undefined || ox > MAX_ELEMENT_OFFSET || oy > MAX_ELEMENT_OFFSET) {
          throw new BatchDecodeError(
            `event ${i} refers to an unknown selector or has an element offset past ${MAX_ELEMENT_OFFSET}`,
          );
        }
      }
    }
    const url = urls[u >>> 0];
    const kind = kinds[c[i] as number];
    if (url === undefined || site === undefined || kind === undefined) {
      throw new BatchDecodeError(`event ${i} refers to an unknown url, site or kind`);
    }
    // All 13 properties, in the order of emptyEvent() in @monkeytracker/grid: one hidden class.
    if (t >= from && t < to && i >= skip) {
      out.push({ kind, url, x, y, vw, vh, t, site, sel, ox, oy, ew, eh });
    }
  }
  // Reading past the end of a column yields `undefined` (→ 0) rather than throwing; catch it here.
  // Element columns a frame without elements leaves empty must be empty: their cursors never moved.
  if (
    pt !== offs[1] ||
    pu !== offs[2] ||
    ps !== offs[3] ||
    px !== offs[4] ||
    py !== offs[5] ||
    pw !== offs[6] ||
    ph !== vhEnd ||
    (v3 && (pe !== offs[8] || pel !== c.length))
  ) {
    throw new BatchDecodeError('column lengths do not match the envelope');
  }
  return out;
}
