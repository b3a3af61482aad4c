import { assertCellSize, cellOf, DEFAULT_CELL_SIZE, MAX_CELL_ID } from './cell';
import { InvalidGridOptionError } from './errors';
import { EMPTY_INDEX, type GridIndex } from './grid-index';

/** Marks a free slot; no valid cell id has this value (see `MAX_CELL_Y`). */
const EMPTY_SLOT = 0xffffffff;
/** A count at this value lives in the builder's overflow map (a cell past 2^32 - 2 events in one builder). */
const WIDE_COUNT = 0xffffffff;
const INITIAL_CAPACITY = 16;

/** Options of a {@link GridBuilder}. */
export interface GridBuilderOptions {
  /** Cell edge in px used by {@link GridBuilder.addEvent}. Default 10. */
  cellSize?: number;
  /** Slots to allocate up front (rounded up to a power of two). Default 16. */
  initialCapacity?: number;
}

/**
 * The mutable counter of the live path: an open-addressing hash table (linear probing) from
 * cell id to count, 8 bytes per slot, doubled when 3/4 full. Adding an event allocates nothing
 * (short of a count past 2^32 - 2 in one cell, which moves to a map);
 * {@link GridBuilder.toIndex} produces the immutable, sorted {@link GridIndex}.
 *
 * @example
 * ```ts
 * const b = new GridBuilder({ cellSize: 10 });
 * b.addEvent({ x: 15, y: 42 });
 * b.toIndex(); // { cells: Uint32Array [cellOf(15, 42)], counts: Float64Array [1], total: 1 }
 * ```
 */
export class GridBuilder {
  /** Cell edge in px. */
  readonly cellSize: number;
  /** Sum of all counts added. */
  total = 0;
  // table[2 * slot] = cell id or EMPTY_SLOT, table[2 * slot + 1] = its count: key and count side
  // by side in 8 bytes, so a probe of a table that is not in cache misses once (the live path
  // adds to thousands of tables in turn). A count that outgrows 32 bits moves to `#wide`
  // (WIDE_COUNT marks it), so counts stay exact to 2^53 like the index's.
  // mask = capacity - 1; shift = 32 - log2(capacity): Fibonacci hashing keeps the high bits of
  // the product, which depend on every bit of the id (the low bits would see only the column).
  #table: Uint32Array;
  #wide: Map<number, number> | undefined;
  #mask: number;
  #shift: number;
  #size = 0;

  constructor(options: GridBuilderOptions = {}) {
    this.cellSize = options.cellSize ?? DEFAULT_CELL_SIZE;
    assertCellSize(this.cellSize);
    let capacity = INITIAL_CAPACITY;
    const wanted = options.initialCapacity ?? INITIAL_CAPACITY;
    while (capacity < wanted) capacity *= 2;
    this.#table = new Uint32Array(2 * capacity).fill(EMPTY_SLOT);
    this.#mask = capacity - 1;
    this.#shift = 32 - Math.log2(capacity);
  }

  /** Number of distinct cells counted so far. */
  get size(): number {
    return this.#size;
  }

  /** Bytes held by the table's typed array (for memory budgets). */
  get byteLength(): number {
    return this.#table.byteLength + (this.#wide ? this.#wide.size * 32 : 0);
  }

  /** Adds `count` (a positive integer, default 1) to a cell. */
  add(cellId: number, count = 1): void {
    if (!(cellId >= 0 && cellId <= MAX_CELL_ID) || cellId !== Math.floor(cellId)) {
      throw new InvalidGridOptionError(`cell id must be an integer from 0 to ${MAX_CELL_ID}, got ${cellId}`);
    }
    if (!(count >= 1) || !Number.isSafeInteger(count)) {
      throw new InvalidGridOptionError(`count must be a positive integer, got ${count}`);
    }
    const table = this.#table;
    // i = 2 * slot, the slot's key; stepping by 2 and wrapping with the mask of 2 * capacity
    // keeps it even, and saves a multiplication per probe.
    const wrap = 2 * this.#mask + 1;
    let i = (Math.imul(cellId, 0x9e3779b1) >>> this.#shift) << 1;
    for (;;) {
      const k = table[i]!;
      if (k === cellId) {
        const sum = table[i + 1]! + count;
        if (sum < WIDE_COUNT) table[i + 1] = sum;
        else this.#addWide(i, cellId, count);
        break;
      }
      if (k === EMPTY_SLOT) {
        table[i] = cellId;
        table[i + 1] = 0; // the fill value of free slots is WIDE_COUNT
        if (count < WIDE_COUNT) table[i + 1] = count;
        else this.#addWide(i, cellId, count);
        if (++this.#size * 4 > this.#mask * 3) this.#grow();
        break;
      }
      i = (i + 2) & wrap;
    }
    this.total += count;
  }

  /** The rare path of {@link add}: the cell's count moves to (or already lives in) `#wide`. */
  #addWide(i: number, cellId: number, count: number): void {
    const wide = (this.#wide ??= new Map());
    const narrow = this.#table[i + 1]!;
    const before = narrow === WIDE_COUNT ? wide.get(cellId)! : narrow;
    wide.set(cellId, before + count);
    this.#table[i + 1] = WIDE_COUNT;
  }

  /** Counts one event at page point `(x, y)` in its cell. */
  addEvent(event: { readonly x: number; readonly y: number }): void {
    this.add(cellOf(event.x, event.y, this.cellSize));
  }

  /** The counts so far as an immutable, sorted {@link GridIndex}; the builder stays usable. */
  toIndex(): GridIndex {
    if (this.#size === 0) return EMPTY_INDEX;
    const table = this.#table;
    const cells = new Uint32Array(this.#size);
    let n = 0;
    for (let i = 0; i < table.length; i += 2) {
      if (table[i] !== EMPTY_SLOT) cells[n++] = table[i]!;
    }
    cells.sort();
    const counts = new Float64Array(n);
    const mask = this.#mask;
    for (let i = 0; i < n; i++) {
      const id = cells[i]!;
      let slot = Math.imul(id, 0x9e3779b1) >>> this.#shift;
      while (table[2 * slot] !== id) slot = (slot + 1) & mask;
      const count = table[2 * slot + 1]!;
      counts[i] = count === WIDE_COUNT ? this.#wide!.get(id)! : count;
    }
    return { cells, counts, total: this.total };
  }

  #grow(): void {
    const old = this.#table;
    const capacity = old.length; // twice the old capacity: the old table holds two numbers per slot
    const table = new Uint32Array(2 * capacity).fill(EMPTY_SLOT);
    const mask = capacity - 1;
    const shift = this.#shift - 1;
    for (let i = 0; i < old.length; i += 2) {
      const id = old[i]!;
      if (id === EMPTY_SLOT) continue;
      let slot = Math.imul(id, 0x9e3779b1) >>> shift;
      while (table[2 * slot] !== EMPTY_SLOT) slot = (slot + 1) & mask;
      table[2 * slot] = id;
      table[2 * slot + 1] = old[i + 1]!;
    }
    this.#table = table;
    this.#mask = mask;
    this.#shift = shift;
  }
}
