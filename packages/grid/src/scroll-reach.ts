import { cellRow } from './cell';
import type { GridIndex } from './grid-index';

/** One step of the fold view: `share` of page views scrolled at least to depth `y` px. */
export interface ReachPoint {
  y: number;
  share: number;
}

/**
 * For a scroll index (one count per page view, in the row of its deepest point), the share
 * of page views that reached each depth: a suffix sum over rows, divided by the total.
 * Points are sorted by `y` ascending and `share` never increases; between two points the
 * share of the upper one holds (a step function).
 */
export function scrollReach(index: GridIndex, cellSize: number): ReachPoint[] {
  const total = index.total;
  if (total === 0) return [];
  // Cell ids sort by row, so per-row sums come out in order; scroll cells all sit in column 0
  // but other columns are summed in too, so any index gives a meaningful answer.
  const rows: number[] = [];
  const sums: number[] = [];
  for (let i = 0; i < index.cells.length; i++) {
    const row = cellRow(index.cells[i]!);
    if (rows.length > 0 && rows[rows.length - 1] === row) sums[sums.length - 1]! += index.counts[i]!;
    else {
      rows.push(row);
      sums.push(index.counts[i]!);
    }
  }
  const points: ReachPoint[] = new Array(rows.length);
  let reached = 0;
  for (let r = rows.length - 1; r >= 0; r--) {
    reached += sums[r]!;
    points[r] = { y: rows[r]! * cellSize, share: reached / total };
  }
  return points;
}
