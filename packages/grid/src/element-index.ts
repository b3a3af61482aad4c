/*
 * The element index: clicks anchored to the elements they hit. It is a GridIndex whose rows are
 * elements — row r counts the clicks on `labels[r]` (a selector), its columns are a coarse grid of
 * positions inside the element's box — plus, per element, the sums of the box it had when
 * clicked (left, top, width, height in page px), from which a viewer draws an element it can no
 * longer find at its average place. Being a GridIndex, it travels through the same live cache,
 * merges, storage and codec as a page grid; only the labels need remapping when two merge.
 */
import { CELL_X_BITS, MAX_CELL_Y } from './cell';
import { InvalidGridOptionError } from './errors';
import { ELEMENT_OFFSET_SCALE } from './event';
import { GridBuilder } from './grid-builder';
import { EMPTY_INDEX, type GridIndex } from './grid-index';

/** Cells per axis of the grid inside an element's box: 20 × 20, so one cell is 50 of the 0–1000 offset units. */
export const ELEMENT_GRID = 20;

/** Offset units (of 0–1000) per inner cell. */
export const ELEMENT_CELL_UNITS = ELEMENT_OFFSET_SCALE / ELEMENT_GRID;

/** Positions below this fit beside a cell id in one exact double (2^32 × 2^21 = 2^53). */
const POSITION_SPAN = 2 ** 21;
/** Fields of the box sums kept per element, in order. */
const BOX_FIELDS = 4;
const ROW_WIDTH = 1 << CELL_X_BITS;

/** An index whose rows are elements: see {@link ElementBuilder}. */
export interface ElementIndex extends GridIndex {
  /** Selectors, strictly increasing (UTF-16 order); row `r` of a cell id is `labels[r]`. */
  readonly labels: readonly string[];
  /** Per label: sum of box left, top, width, height (page px) over its clicks. */
  readonly boxes: Float64Array;
}

/** True when `index` carries element labels. */
export function isElementIndex(index: GridIndex): index is ElementIndex {
  return (index as Partial<ElementIndex>).labels !== undefined;
}

/** The inner cell (column of an element row) of an offset `ox`, `oy` in 0–1000. */
export function elementCell(ox: number, oy: number): number {
  const ix = Math.min(ELEMENT_GRID - 1, Math.floor(ox / ELEMENT_CELL_UNITS));
  const iy = Math.min(ELEMENT_GRID - 1, Math.floor(oy / ELEMENT_CELL_UNITS));
  return iy * ELEMENT_GRID + ix;
}

/** One element of an index, read back: its clicks, the average box and the inner grid. */
export interface ElementEntry {
  selector: string;
  count: number;
  /** Average box when clicked, page px. */
  box: { x: number; y: number; width: number; height: number };
  /** Inner cells with counts: `x`, `y` are the cell's top-left in offset units (0–1000). */
  cells: { x: number; y: number; count: number }[];
}

/** Where each element's cells sit in an element index, and its clicks (see {@link elementRows}). */
export interface ElementRows {
  /** Cells of row `r` are `cells[starts[r]] … cells[starts[r + 1] - 1]` (ids sort by row). */
  readonly starts: Uint32Array;
  /** Clicks per row. */
  readonly counts: Float64Array;
}

/** One pass over an element index's cells: where each element's cells start, and its clicks. */
export function elementRows(index: ElementIndex): ElementRows {
  const { cells, counts: cellCounts } = index;
  const rows = index.labels.length;
  const starts = new Uint32Array(rows + 1);
  const counts = new Float64Array(rows);
  for (let i = 0; i < cells.length; i++) {
    const r = cells[i]! >>> CELL_X_BITS;
    counts[r] = counts[r]! + cellCounts[i]!;
    starts[r + 1] = i + 1;
  }
  // Every row has cells (an invariant the codec checks), so each start is the previous row's end.
  return { starts, counts };
}

/** Element `row` of an index read back: its clicks, average box and inner cells (in id order). */
export function readElement(index: ElementIndex, rows: ElementRows, row: number): ElementEntry {
  const count = rows.counts[row]!;
  const inner: ElementEntry['cells'] = [];
  for (let i = rows.starts[row]!; i < rows.starts[row + 1]!; i++) {
    const col = index.cells[i]! & (ROW_WIDTH - 1);
    inner.push({
      x: (col % ELEMENT_GRID) * ELEMENT_CELL_UNITS,
      y: Math.floor(col / ELEMENT_GRID) * ELEMENT_CELL_UNITS,
      count: index.counts[i]!,
    });
  }
  const b = row * BOX_FIELDS;
  const boxes = index.boxes;
  return {
    selector: index.labels[row]!,
    count,
    box: {
      x: Math.round(boxes[b]! / count),
      y: Math.round(boxes[b + 1]! / count),
      width: Math.round(boxes[b + 2]! / count),
      height: Math.round(boxes[b + 3]! / count),
    },
    cells: inner,
  };
}

/** Reads every element of an index, in label order. */
export function elementEntries(index: GridIndex): ElementEntry[] {
  if (!isElementIndex(index)) return [];
  const rows = elementRows(index);
  return index.labels.map((_, r) => readElement(index, rows, r));
}

/**
 * The live counter of an element index: clicks per selector and inner cell, and the box sums.
 * Adding a click to a known selector allocates nothing.
 *
 * @example
 * ```ts
 * const b = new ElementBuilder();
 * b.addClick('[data-mt="buy"]', 500, 500, 100, 40, 80, 30); // offset, box left/top, width/height
 * b.toIndex().labels; // ['[data-mt="buy"]']
 * ```
 */
export class ElementBuilder {
  /** Clicks added. */
  total = 0;
  // Selector → local row (first-seen order); rows are sorted into labels by toIndex.
  readonly #rows = new Map<string, number>();
  #boxes = new Float64Array(4 * BOX_FIELDS);
  readonly #cells = new GridBuilder();
  #labelChars = 0;

  /** Distinct elements so far. */
  get size(): number {
    return this.#rows.size;
  }

  /** Bytes held (tables, box sums, selectors), for memory budgets. */
  get byteLength(): number {
    return this.#cells.byteLength + this.#boxes.byteLength + this.#labelChars * 2 + this.#rows.size * 48;
  }

  /**
   * Counts one click on `selector` at offset `ox`, `oy` (0–1000) of a box whose top-left was
   * at page `left`, `top` and whose size was `width` × `height`.
   */
  addClick(
    selector: string,
    ox: number,
    oy: number,
    left: number,
    top: number,
    width: number,
    height: number,
  ): void {
    let row = this.rowOf(selector);
    if (row < 0) row = this.addRow(selector);
    this.addClickAt(row, ox, oy, left, top, width, height);
  }

  /** The row of `selector` in this builder, or -1 when it has no clicks yet. */
  rowOf(selector: string): number {
    return this.#rows.get(selector) ?? -1;
  }

  /** Adds `selector` (not in the builder yet) and returns its row, for {@link addClickAt}. */
  addRow(selector: string): number {
    const row = this.#rows.size;
    if (row > MAX_CELL_Y)
      throw new InvalidGridOptionError(`an element index holds at most ${MAX_CELL_Y + 1} elements`);
    this.#rows.set(selector, row);
    this.#labelChars += selector.length;
    if ((row + 1) * BOX_FIELDS > this.#boxes.length) {
      const grown = new Float64Array(this.#boxes.length * 2);
      grown.set(this.#boxes);
      this.#boxes = grown;
    }
    return row;
  }

  /** {@link addClick} on a row from {@link rowOf} or {@link addRow}. */
  addClickAt(
    row: number,
    ox: number,
    oy: number,
    left: number,
    top: number,
    width: number,
    height: number,
  ): void {
    const b = row * BOX_FIELDS;
    const boxes = this.#boxes;
    boxes[b] = boxes[b]! + left;
    boxes[b + 1] = boxes[b + 1]! + top;
    boxes[b + 2] = boxes[b + 2]! + width;
    boxes[b + 3] = boxes[b + 3]! + height;
    this.#cells.add(row * ROW_WIDTH + elementCell(ox, oy));
    this.total++;
  }

  /** The counts so far as an immutable {@link ElementIndex}; the builder stays usable. */
  toIndex(): GridIndex {
    if (this.total === 0) return EMPTY_INDEX;
    const labels = Array.from(this.#rows.keys()).sort(compareLabels);
    const ordinal = new Uint32Array(labels.length);
    labels.forEach((label, i) => {
      ordinal[this.#rows.get(label)!] = i;
    });
    const raw = this.#cells.toIndex();
    // Rows are renumbered into label order, so the ids are sorted again, carrying their counts:
    // id × 2^21 + position (< 2^53, exact) sorts natively as a Float64Array, without a comparator.
    const n = raw.cells.length;
    if (n >= POSITION_SPAN) return this.#sortedSlowly(raw, ordinal, labels);
    const keyed = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const id = raw.cells[i]!;
      keyed[i] = (ordinal[id >>> CELL_X_BITS]! * ROW_WIDTH + (id & (ROW_WIDTH - 1))) * POSITION_SPAN + i;
    }
    keyed.sort();
    const sortedCells = new Uint32Array(n);
    const counts = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const position = keyed[i]! % POSITION_SPAN;
      sortedCells[i] = (keyed[i]! - position) / POSITION_SPAN;
      counts[i] = raw.counts[position]!;
    }
    const index: ElementIndex = {
      cells: sortedCells,
      counts,
      total: raw.total,
      labels,
      boxes: this.#boxesInLabelOrder(ordinal),
    };
    return index;
  }

  /** {@link toIndex} for builders of 2^21 cells or more, whose positions do not fit beside an id. */
  #sortedSlowly(raw: GridIndex, ordinal: Uint32Array, labels: string[]): GridIndex {
    const renumbered = Array.from(raw.cells, (id, i) => ({
      id: ordinal[id >>> CELL_X_BITS]! * ROW_WIDTH + (id & (ROW_WIDTH - 1)),
      count: raw.counts[i]!,
    })).sort((a, b) => a.id - b.id);
    const index: ElementIndex = {
      cells: Uint32Array.from(renumbered, (c) => c.id),
      counts: Float64Array.from(renumbered, (c) => c.count),
      total: raw.total,
      labels,
      boxes: this.#boxesInLabelOrder(ordinal),
    };
    return index;
  }

  /** The box sums, moved from first-seen rows to label order (`ordinal[row]`). */
  #boxesInLabelOrder(ordinal: Uint32Array): Float64Array {
    const boxes = new Float64Array(ordinal.length * BOX_FIELDS);
    for (let row = 0; row < ordinal.length; row++) {
      boxes.set(
        this.#boxes.subarray(row * BOX_FIELDS, row * BOX_FIELDS + BOX_FIELDS),
        ordinal[row]! * BOX_FIELDS,
      );
    }
    return boxes;
  }
}

/** Plain UTF-16 order, the order labels are kept in (and checked in by the codec). */
export function compareLabels(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Merges element indexes (and empty indexes): the union of their labels, each input's rows
 * renumbered into it, then the plain cell merge `mergeCells`. Renumbering keeps each input's ids
 * sorted (both label lists are sorted), so no re-sort is needed.
 */
export function mergeElementIndexes(
  inputs: readonly GridIndex[],
  mergeCells: (indexes: readonly GridIndex[]) => GridIndex,
): GridIndex {
  const parts: ElementIndex[] = [];
  for (const x of inputs) {
    if (x.cells.length === 0) continue;
    if (!isElementIndex(x)) {
      throw new InvalidGridOptionError(
        'cannot merge an element index with a page grid: they belong to different keys',
      );
    }
    parts.push(x);
  }
  if (parts.length === 0) return EMPTY_INDEX;
  if (parts.length === 1) return parts[0]!;
  const labels = unionLabels(parts.map((p) => p.labels));
  const position = new Map<string, number>(labels.map((label, i) => [label, i]));
  const boxes = new Float64Array(labels.length * BOX_FIELDS);
  const renumbered = parts.map((part) => {
    const ordinal = part.labels.map((label) => position.get(label)!);
    for (let r = 0; r < ordinal.length; r++) {
      const to = ordinal[r]! * BOX_FIELDS;
      for (let f = 0; f < BOX_FIELDS; f++) boxes[to + f] = boxes[to + f]! + part.boxes[r * BOX_FIELDS + f]!;
    }
    const cells = new Uint32Array(part.cells.length);
    for (let i = 0; i < cells.length; i++) {
      const id = part.cells[i]!;
      cells[i] = ordinal[id >>> CELL_X_BITS]! * ROW_WIDTH + (id & (ROW_WIDTH - 1));
    }
    return { cells, counts: part.counts, total: part.total };
  });
  const merged = mergeCells(renumbered);
  const index: ElementIndex = {
    cells: merged.cells,
    counts: merged.counts,
    total: merged.total,
    labels,
    boxes,
  };
  return index;
}

function unionLabels(lists: readonly (readonly string[])[]): string[] {
  const all = new Set<string>();
  for (const list of lists) for (const label of list) all.add(label);
  return Array.from(all).sort(compareLabels);
}

/** True when two element indexes hold the same labels and box sums (cells are compared by the caller). */
export function elementPartsEqual(a: GridIndex, b: GridIndex): boolean {
  const la = isElementIndex(a) ? a : undefined;
  const lb = isElementIndex(b) ? b : undefined;
  if (la === undefined || lb === undefined) return la === lb || a.total === 0 || b.total === 0;
  if (la.labels.length !== lb.labels.length) return false;
  for (let i = 0; i < la.labels.length; i++) if (la.labels[i] !== lb.labels[i]) return false;
  for (let i = 0; i < la.boxes.length; i++) if (la.boxes[i] !== lb.boxes[i]) return false;
  return true;
}

/**
 * Bytes an index holds in memory, for budgets: 12 per cell (4-byte id, 8-byte count), and for an
 * element index its labels (2 per char plus 48 per string) and box sums (32 per label).
 */
export function indexByteLength(index: GridIndex): number {
  let bytes = index.cells.length * 12;
  if (isElementIndex(index)) {
    for (const label of index.labels) bytes += label.length * 2 + 48;
    bytes += index.boxes.byteLength;
  }
  return bytes;
}
