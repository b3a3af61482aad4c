import {
  ELEMENT_CELL_UNITS,
  ELEMENT_GRID,
  elementRows,
  type GridIndex,
  isElementIndex,
  mergeMany,
  readElement,
} from '@monkeytracker/grid';
import { assertOptionalInteger } from './reduce-heatmap';

/** How many elements {@link ElementHeatmap.topElements} names. */
export const TOP_ELEMENTS = 10;

/** One element of an element heatmap: its clicks, where it was, and where inside it they landed. */
export interface ElementHeat {
  /** The selector the snippet recorded (see `@monkeytracker/browser`). */
  selector: string;
  count: number;
  /** `count` ÷ the answer's `total`. */
  share: number;
  /**
   * The element's average box when clicked, page px: where a viewer draws it when the selector
   * no longer finds an element on the page.
   */
  box: { x: number; y: number; width: number; height: number };
  /** Cells inside the box, hottest first: `x`, `y` are the cell's top-left in offset units (0–1000). */
  cells: { x: number; y: number; count: number }[];
}

/** A selector, its clicks and its share of all clicks on elements in the range. */
export interface TopElement {
  selector: string;
  count: number;
  share: number;
}

/** What an element-mode query returns (`mode: 'element'`). */
export interface ElementHeatmap {
  mode: 'element';
  /** Every event with an element in the range, including elements `top` or `minCount` left out. */
  total: number;
  /** The highest element count (0 when empty). */
  max: number;
  /** The highest inner cell count among the elements returned, for scaling colours. */
  cellMax: number;
  /** Distinct elements before `top` and `minCount`. */
  elementCount: number;
  /** The grid inside each element: `cells` per axis, `units` of the 0–1000 offset per cell. */
  grid: { cells: number; units: number };
  /** Elements, most clicked first (ties: selector order); `top` and `minCount` apply. */
  elements: ElementHeat[];
  /** The {@link TOP_ELEMENTS} most clicked elements of the whole range. */
  topElements: TopElement[];
}

/** Input of {@link reduceElements}. */
export interface ReduceElementsInput {
  /** Element indexes read from storage. */
  stored: readonly GridIndex[];
  /** Live element deltas not yet in storage. */
  live?: readonly GridIndex[];
  /** Drop elements with fewer events. Default 1. */
  minCount?: number;
  /** Keep only this many most clicked elements. Default: all. */
  top?: number;
}

/**
 * Merges element indexes into an {@link ElementHeatmap}: elements ranked by clicks, each with
 * its inner grid. Rows are ranked on their totals (`elementRows`); cell objects are made only for
 * the elements returned.
 */
export function reduceElements(input: ReduceElementsInput): ElementHeatmap {
  assertOptionalInteger(input.top, 'top', 0);
  assertOptionalInteger(input.minCount, 'minCount', 0);
  const merged = mergeMany(
    input.live && input.live.length > 0 ? [...input.stored, ...input.live] : input.stored,
  );
  const total = merged.total;
  const share = (count: number) => (total === 0 ? 0 : count / total);
  const grid = { cells: ELEMENT_GRID, units: ELEMENT_CELL_UNITS };
  if (!isElementIndex(merged)) {
    return {
      mode: 'element',
      total,
      max: 0,
      cellMax: 0,
      elementCount: 0,
      grid,
      elements: [],
      topElements: [],
    };
  }
  const labels = merged.labels;
  const rows = elementRows(merged);
  const rowCount = rows.counts;
  // Most clicked first; ties in label order (rows are in label order).
  const order = Array.from(rowCount.keys()).sort((a, b) => rowCount[b]! - rowCount[a]! || a - b);
  const minCount = input.minCount ?? 1;
  const kept = order.filter((r) => rowCount[r]! >= minCount).slice(0, input.top ?? labels.length);
  let cellMax = 0;
  const elements = kept.map((r): ElementHeat => {
    const { selector, count, box, cells } = readElement(merged, rows, r);
    for (const c of cells) if (c.count > cellMax) cellMax = c.count;
    cells.sort((a, b) => b.count - a.count || a.y - b.y || a.x - b.x);
    return { selector, count, share: share(count), box, cells };
  });
  return {
    mode: 'element',
    total,
    max: labels.length > 0 ? rowCount[order[0]!]! : 0,
    cellMax,
    elementCount: labels.length,
    grid,
    elements,
    topElements: order
      .slice(0, TOP_ELEMENTS)
      .map((r) => ({ selector: labels[r]!, count: rowCount[r]!, share: share(rowCount[r]!) })),
  };
}
