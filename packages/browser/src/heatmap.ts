/** One hot cell of a heatmap: its top-left corner in page px and how many events fell in it. */
export interface HeatmapCell {
  x: number;
  y: number;
  count: number;
}

/** One step of the fold view: `share` (0–1) of page views whose deepest point is at least `y` px. */
export interface HeatmapReachPoint {
  y: number;
  share: number;
}

/**
 * A heatmap as the MonkeyTracker server returns it (the same shape as the query package's
 * result, declared here so this package has no dependencies).
 */
export interface Heatmap {
  /** Cell edge in page px. */
  cellSize: number;
  /** Every event in the range, including cells left out by `top` / `minCount`. */
  total: number;
  /** The largest cell count. */
  max: number;
  /** Hot cells, usually sorted by count descending. */
  cells: HeatmapCell[];
  /** Scroll heatmaps only: `y` ascending, `share` non-increasing (a step function). */
  reach?: HeatmapReachPoint[];
}

/** What a render call did: how many cells (or bands) it drew and how long it took. */
export interface RenderStats {
  /** Cells drawn by `renderHeatmap`, bands drawn by `renderScrollReach`. */
  drawn: number;
  /** Wall time of the call in ms (`performance.now()`). */
  ms: number;
}
