import { InvalidGridOptionError } from './errors';

/** Default cell edge in CSS px: fine enough for a heatmap, coarse enough to stay small. */
export const DEFAULT_CELL_SIZE = 10;

/**
 * A cell id packs the cell's column in the low {@link CELL_X_BITS} bits and its row in the
 * high bits: `id = cy * 4096 + cx`. Rows get more bits than columns because pages are far
 * taller than they are wide. Ids sort by row, then column, so neighbouring cells of a blob
 * have small deltas (good for the codec) and a renderer walks them top to bottom.
 */
export const CELL_X_BITS = 12;
/** Largest column index (4,095): 40,950 px at the default cell size; wider clamps. */
export const MAX_CELL_X = (1 << CELL_X_BITS) - 1;
/**
 * Largest row index (1,048,574): 10,485,740 px at the default cell size; deeper clamps.
 * One short of the 20-bit maximum so that no valid id is 0xFFFFFFFF, which the live
 * builder uses to mark empty slots.
 */
export const MAX_CELL_Y = 2 ** (32 - CELL_X_BITS) - 2;
/** The largest valid cell id. */
export const MAX_CELL_ID = MAX_CELL_Y * (MAX_CELL_X + 1) + MAX_CELL_X;

/** Throws unless `cellSize` is an integer number of px in [1, 10,000]. */
export function assertCellSize(cellSize: number): void {
  if (!Number.isInteger(cellSize) || cellSize < 1 || cellSize > 10_000) {
    throw new InvalidGridOptionError(
      `cellSize must be an integer from 1 to 10000 px, got ${String(cellSize)}`,
    );
  }
}

/**
 * The id of the cell holding page point `(x, y)`: `floor(x / cellSize)`, `floor(y / cellSize)`
 * packed into one unsigned 32-bit integer. Coordinates past the packable range clamp to the
 * last row or column; they never wrap onto another cell.
 */
export function cellOf(x: number, y: number, cellSize: number = DEFAULT_CELL_SIZE): number {
  let cx = Math.floor(x / cellSize);
  let cy = Math.floor(y / cellSize);
  cx = cx < 0 ? 0 : Math.min(cx, MAX_CELL_X);
  cy = cy < 0 ? 0 : Math.min(cy, MAX_CELL_Y);
  return cy * (MAX_CELL_X + 1) + cx;
}

/** The column index of a cell id. */
export function cellColumn(cellId: number): number {
  return cellId & MAX_CELL_X;
}

/** The row index of a cell id. */
export function cellRow(cellId: number): number {
  return Math.floor(cellId / (MAX_CELL_X + 1));
}
