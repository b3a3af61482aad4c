import { assertCellSize, cellOf, DEFAULT_CELL_SIZE, MAX_CELL_ID } from './cell';
import { InvalidGridOptionError } from './errors';
import { EMPTY_INDEX, type GridIndex } from './grid-index';

/** Marks a free slot; no valid cell id has this value (see `MAX_CELL_Y`). */
const EMPTY_SLOT = 0xffffffff;
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
 * cell id to count in two typed arrays, doubled when 3/4 full. Adding an event allocates
 * nothing; {@link GridBuilder.toIndex} produces the immutable, sorted {@link GridIndex}.
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
  // keys[slot] = cell id or EMPTY_SLOT; values[slot] = its count; mask = capacity - 1;
  // shift = 32 - log2(capacity): Fibonacci hashing keeps the high bits of the product, which
  // depend on every bit of the id (the low bits would see only the column).
  #keys: Uint32Array;
  #values: Float64Array;
  #mask: number;
  #shift: number;
  #size = 0;

  constructor(options: GridBuilderOptions = {}) {
    this.cellSize = options.cellSize ?? DEFAULT_CELL_SIZE;
    assertCellSize(this.cellSize);
    let capacity = INITIAL_CAPACITY;
    const wanted = options.initialCapacity ?? INITIAL_CAPACITY;
    while (capacity < wanted) capacity *= 2;
    this.#keys = new Uint32Array(capacity).fill(EMPTY_SLOT);
    this.#values = new Float64Array(capacity);
    this.#mask = capacity - 1;
    this.#shift = 32 - Math.log2(capacity);
  }

  /** Number of distinct cells counted so far. */
  get size(): number {
    return this.#size;
  }

  /** Bytes held by the table's typed arrays (for memory budgets). */
  get byteLength(): number {
    return this.#keys.byteLength + this.#values.byteLength;
  }

  /** Adds `count` (a positive integer, default 1) to a cell. */
  add(cellId: number, count = 1): void {
    if (!(cellId >= 0 && cellId <= MAX_CELL_ID) || cellId !== Math.floor(cellId)) {
      throw new InvalidGridOptionError(`cell id must be an integer from 0 to ${MAX_CELL_ID}, got ${cellId}`);
    }
    if (!(count >= 1) || !Number.isSafeInteger(count)) {
      throw new InvalidGridOptionError(`count must be a positive integer, got ${count}`);
    }
    const keys = this.#keys;
    const mask = this.#mask;
    let slot = Math.imul(cellId, 0x9e3779b1) >>> this.#shift;
    for (;;) {
      const k = keys[slot]!;
      if (k === cellId) {
        this.#values[slot] = this.#values[slot]! + count;
        break;
      }
      if (k === EMPTY_SLOT) {
        keys[slot] = cellId;
        this.#values[slot] = count;
        if (++this.#size * 4 > mask * 3) this.#grow();
        break;
      }
      slot = (slot + 1) & mask;
    }
    this.total += count;
  }

  /** Counts one event at page point `(x, y)` in its cell. */
  addEvent(event: { readonly x: number; readonly y: number }): void {
    this.add(cellOf(event.x, event.y, this.cellSize));
  }

  /** The counts so far as an immutable, sorted {@link GridIndex}; the builder stays usable. */
  toIndex(): GridIndex {
    if (this.#size === 0) return EMPTY_INDEX;
    const keys = this.#keys;
    const cells = new Uint32Array(this.#size);
    let n = 0;
    for (let slot = 0; slot < keys.length; slot++) {
      if (keys[slot] !== EMPTY_SLOT) cells[n++] = keys[slot]!;
    }
    cells.sort();
    const counts = new Float64Array(n);
    const values = this.#values;
    const mask = this.#mask;
    for (let i = 0; i < n; i++) {
      const id = cells[i]!;
      let slot = Math.imul(id, 0x9e3779b1) >>> this.#shift;
      while (keys[slot] !== id) slot = (slot + 1) & mask;
      counts[i] = values[slot]!;
    }
    return { cells, counts, total: this.total };
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldValues = this.#values;
    const capacity = oldKeys.length * 2;
    const keys = new Uint32Array(capacity).fill(EMPTY_SLOT);
    const values = new Float64Array(capacity);
    const mask = capacity - 1;
    const shift = this.#shift - 1;
    for (let s = 0; s < oldKeys.length; s++) {
      const id = oldKeys[s]!;
      if (id === EMPTY_SLOT) continue;
      let slot = Math.imul(id, 0x9e3779b1) >>> shift;
      while (keys[slot] !== EMPTY_SLOT) slot = (slot + 1) & mask;
      keys[slot] = id;
      values[slot] = oldValues[s]!;
    }
    this.#keys = keys;
    this.#values = values;
    this.#mask = mask;
    this.#shift = shift;
  }
}
