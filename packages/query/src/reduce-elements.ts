import {
  ELEMENT_CELL_UNITS,
  ELEMENT_GRID,
  elementEntries,
  type GridIndex,
  mergeMany,
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

/** Merges element indexes into an {@link ElementHeatmap}: elements ranked by clicks, each with its inner grid. */
export function reduceElements(input: ReduceElementsInput): ElementHeatmap {
  assertOptionalInteger(input.top, 'top', 0);
  assertOptionalInteger(input.minCount, 'minCount', 0);
  const merged = mergeMany(
    input.live && input.live.length > 0 ? [...input.stored, ...input.live] : input.stored,
  );
  const all = elementEntries(merged);
  all.sort((a, b) => b.count - a.count || (a.selector < b.selector ? -1 : 1));
  const total = merged.total;
  const share = (count: number) => (total === 0 ? 0 : count / total);
  const minCount = input.minCount ?? 1;
  const kept = all.filter((e) => e.count >= minCount).slice(0, input.top ?? all.length);
  let cellMax = 0;
  const elements = kept.map((e): ElementHeat => {
    e.cells.sort((a, b) => b.count - a.count || a.y - b.y || a.x - b.x);
    for (const c of e.cells) if (c.count > cellMax) cellMax = c.count;
    return { selector: e.selector, count: e.count, share: share(e.count), box: e.box, cells: e.cells };
  });
  return {
    mode: 'element',
    total,
    max: all[0]?.count ?? 0,
    cellMax,
    elementCount: all.length,
    grid: { cells: ELEMENT_GRID, units: ELEMENT_CELL_UNITS },
    elements,
    topElements: all
      .slice(0, TOP_ELEMENTS)
      .map((e) => ({ selector: e.selector, count: e.count, share: share(e.count) })),
  };
}
