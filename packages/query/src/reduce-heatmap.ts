import {
  cellColumn,
  cellRow,
  type GridIndex,
  mergeMany,
  type ReachPoint,
  scrollReach,
} from '@monkeytracker/grid';
import { InvalidQueryError } from './errors';
import { selectTop } from './select-top';

/** One hot cell of a heatmap: its top-left corner in page px and its count. */
export interface HeatCell {
  x: number;
  y: number;
  count: number;
}

/** What a heatmap query returns: few enough cells for a browser to draw. */
export interface Heatmap {
  /** Cell edge in px. */
  cellSize: number;
  /** Every event in the range, including those in cells that `top` or `minCount` left out. */
  total: number;
  /** The highest cell count (0 when empty), for scaling colours. */
  max: number;
  /** Number of non-empty cells before `top` and `minCount`. */
  cellCount: number;
  /** Hot cells, hottest first (ties: top-most, then left-most). */
  cells: HeatCell[];
  /** Scroll heatmaps only: share of page views that reached each depth (see `scrollReach`). */
  reach?: ReachPoint[];
}

/** Input of {@link reduceHeatmap}. */
export interface ReduceInput {
  /** Indexes read from storage. */
  stored: readonly GridIndex[];
  /** Live deltas not yet in storage. */
  live?: readonly GridIndex[];
  cellSize: number;
  /** Drop cells with fewer events. Default 1 (keep all). */
  minCount?: number;
  /** Keep only this many hottest cells. Default: all. */
  top?: number;
  /** Add the scroll reach curve (for scroll heatmaps). Default false. */
  reach?: boolean;
}

/** Throws InvalidQueryError unless `value` is undefined or an integer ≥ `min`. */
export function assertOptionalInteger(value: unknown, field: string, min: number): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min)) {
    throw new InvalidQueryError(`${field} must be an integer ≥ ${min}, got ${String(value)}`, {
      field: field,
    });
  }
}

/**
 * Merges stored indexes and live deltas into one heatmap: a k-way merge, then the cold tail
 * (`minCount`) and all but the `top` hottest cells are dropped on the server, so a client draws
 * thousands of points, not millions. `total` and `max` always describe the whole range.
 */
export function reduceHeatmap(input: ReduceInput): Heatmap {
  assertOptionalInteger(input.top, 'top', 0);
  assertOptionalInteger(input.minCount, 'minCount', 0);
  const merged = mergeMany(
    input.live && input.live.length > 0 ? [...input.stored, ...input.live] : input.stored,
  );
  const { cells, counts } = merged;
  let max = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i]! > max) max = counts[i]!;
  const picked = selectTop(cells, counts, input.top ?? cells.length, input.minCount ?? 1, max);
  const size = input.cellSize;
  const out: HeatCell[] = new Array(picked.length);
  for (let i = 0; i < picked.length; i++) {
    const p = picked[i]!;
    const id = cells[p]!;
    out[i] = { x: cellColumn(id) * size, y: cellRow(id) * size, count: counts[p]! };
  }
  const heatmap: Heatmap = { cellSize: size, total: merged.total, max, cellCount: cells.length, cells: out };
  if (input.reach) heatmap.reach = scrollReach(merged, size);
  return heatmap;
}
