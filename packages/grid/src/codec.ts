import { Packr } from 'msgpackr';
import { MAX_CELL_ID } from './cell';
import { compareLabels, type ElementIndex, isElementIndex } from './element-index';
import { IndexCodecError } from './errors';
import { MAX_SELECTOR_LENGTH } from './event';
import { EMPTY_INDEX, type GridIndex } from './grid-index';
import { ByteReader, ByteWriter, unzigzag, zigzag } from './varint';

/**
 * The format byte that starts every encoded index. A new layout gets a new number and
 * `decodeIndex` keeps reading the old ones, so stored blobs outlive code changes.
 */
export const INDEX_FORMAT_VERSION = 1;

/** The format byte of an element index (format 1 plus labels and box sums); page grids stay format 1. */
export const ELEMENT_INDEX_FORMAT_VERSION = 2;

// Plain msgpack maps (no msgpackr record extension) so any msgpack reader can open the envelope.
const packr = new Packr({ useRecords: false, moreTypes: false });

/*
 * Format 1: [0x01] + msgpack map { n, t, r, k }
 *   n: number of cells; t: total
 *   r: runs of consecutive cell ids, as varint pairs (gap from the end of the previous run, run
 *      length). A heat blob's row is one run, so cells cost a fraction of a byte each.
 *   k: counts as zigzag varints of the difference from the previous cell's count; neighbouring
 *      cells of a blob have similar counts.
 *
 * Format 2 (element indexes): format 1 plus
 *   l: the labels (selectors), strictly increasing; row r of a cell id is l[r], and every label
 *      has at least one cell
 *   b: per label, the sums of box left, top, width, height as unsigned varints
 */

/** Encodes an index into a compact, versioned byte string (see {@link decodeIndex}). */
export function encodeIndex(index: GridIndex): Uint8Array {
  const { cells, counts } = index;
  const n = cells.length;
  const runs = new ByteWriter(16 + (n >> 2));
  const deltas = new ByteWriter(16 + n * 2);
  let i = 0;
  let end = 0; // one past the last id of the previous run
  while (i < n) {
    const start = cells[i]!;
    let j = i + 1;
    while (j < n && cells[j] === cells[j - 1]! + 1) j++;
    runs.writeVarint(start - end);
    runs.writeVarint(j - i);
    end = cells[j - 1]! + 1;
    i = j;
  }
  let previous = 0;
  for (let c = 0; c < n; c++) {
    const count = counts[c]!;
    deltas.writeVarint(zigzag(count - previous));
    previous = count;
  }
  let body: Uint8Array;
  let format = INDEX_FORMAT_VERSION;
  if (isElementIndex(index)) {
    const sums = new ByteWriter(16 + index.boxes.length * 3);
    for (let i = 0; i < index.boxes.length; i++) sums.writeVarint(index.boxes[i]!);
    format = ELEMENT_INDEX_FORMAT_VERSION;
    body = packr.pack({
      n,
      t: index.total,
      r: runs.result(),
      k: deltas.result(),
      l: index.labels,
      b: sums.result(),
    });
  } else {
    body = packr.pack({ n, t: index.total, r: runs.result(), k: deltas.result() });
  }
  const out = new Uint8Array(body.length + 1);
  out[0] = format;
  out.set(body, 1);
  return out;
}

function corrupt(reason: string): never {
  throw new IndexCodecError(
    `cannot decode grid index: ${reason}; the blob is corrupt or was not written by encodeIndex`,
  );
}

/**
 * Decodes the output of {@link encodeIndex}. Every field is checked (format byte, counts,
 * order of cells, the total), so garbage throws {@link IndexCodecError} with code
 * `'INDEX_CORRUPT'` instead of yielding a wrong heatmap. Work is bounded by the input size.
 */
export function decodeIndex(bytes: Uint8Array): GridIndex {
  if (!(bytes instanceof Uint8Array)) corrupt('input is not a Uint8Array');
  if (bytes.length < 2) corrupt(`only ${bytes.length} byte(s)`);
  const format = bytes[0];
  if (format !== INDEX_FORMAT_VERSION && format !== ELEMENT_INDEX_FORMAT_VERSION)
    corrupt(`unknown format version ${format}`);
  let envelope: unknown;
  try {
    envelope = packr.unpack(bytes.subarray(1));
  } catch (err) {
    throw new IndexCodecError('cannot decode grid index: the msgpack envelope is invalid', { cause: err });
  }
  if (typeof envelope !== 'object' || envelope === null) corrupt('envelope is not a map');
  const { n, t, r, k, l, b } = envelope as Record<string, unknown>;
  if (!(r instanceof Uint8Array) || !(k instanceof Uint8Array))
    corrupt('runs or counts are not byte strings');
  // Every cell needs at least one count byte, which bounds n before anything is allocated.
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > k.length)
    corrupt(`bad cell count ${String(n)}`);
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) corrupt(`bad total ${String(t)}`);
  if (n === 0) {
    if (t !== 0 || r.length !== 0 || k.length !== 0 || format !== INDEX_FORMAT_VERSION)
      corrupt('an empty index with data');
    return EMPTY_INDEX;
  }
  const labels = format === ELEMENT_INDEX_FORMAT_VERSION ? decodeLabels(l, b, n) : undefined;
  const cells = new Uint32Array(n);
  const runs = new ByteReader(r);
  let c = 0;
  let end = 0;
  while (c < n) {
    const gap = runs.readVarint();
    const length = runs.readVarint();
    if (gap < 0 || length < 1) corrupt('truncated or invalid cell runs');
    if (c > 0 && gap === 0) corrupt('adjacent runs must be separated');
    if (c + length > n) corrupt('cell runs hold more cells than the header says');
    const start = end + gap;
    if (start + length - 1 > MAX_CELL_ID) corrupt('cell id out of range');
    for (let i = 0; i < length; i++) cells[c++] = start + i;
    end = start + length;
  }
  if (!runs.done) corrupt('trailing bytes after the cell runs');
  const counts = new Float64Array(n);
  const deltas = new ByteReader(k);
  let previous = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const z = deltas.readVarint();
    if (z < 0) corrupt('truncated or invalid counts');
    const count = previous + unzigzag(z);
    if (!(count >= 1) || count > Number.MAX_SAFE_INTEGER) corrupt(`cell count ${count} out of range`);
    counts[i] = count;
    sum += count;
    previous = count;
  }
  if (!deltas.done) corrupt('trailing bytes after the counts');
  if (sum !== t) corrupt(`counts add up to ${sum}, the header says ${t}`);
  if (labels === undefined) return { cells, counts, total: t };
  // Every label has cells and no cell points past the labels: rows used are exactly 0..L-1.
  let row = -1;
  for (let i = 0; i < n; i++) {
    const r = cells[i]! >>> 12;
    if (r !== row) {
      if (r !== row + 1) corrupt('an element label without cells');
      row = r;
    }
  }
  if (row !== labels.labels.length - 1) corrupt('element rows do not match the labels');
  const index: ElementIndex = { cells, counts, total: t, labels: labels.labels, boxes: labels.boxes };
  return index;
}

/** Checks and reads the labels and box sums of a format 2 blob. */
function decodeLabels(l: unknown, b: unknown, n: number): { labels: string[]; boxes: Float64Array } {
  if (!Array.isArray(l) || l.length === 0 || l.length > n) corrupt('element labels missing or too many');
  if (!(b instanceof Uint8Array)) corrupt('element box sums are not a byte string');
  for (let i = 0; i < l.length; i++) {
    const label = l[i];
    if (typeof label !== 'string' || label.length === 0 || label.length > MAX_SELECTOR_LENGTH)
      corrupt(`element label ${i} is not a selector`);
    if (i > 0 && compareLabels(l[i - 1] as string, label) >= 0)
      corrupt('element labels are not strictly increasing');
  }
  const boxes = new Float64Array(l.length * 4);
  const reader = new ByteReader(b);
  for (let i = 0; i < boxes.length; i++) {
    const v = reader.readVarint();
    if (v < 0) corrupt('truncated or invalid element box sums');
    boxes[i] = v;
  }
  if (!reader.done) corrupt('trailing bytes after the element box sums');
  return { labels: l as string[], boxes };
}
