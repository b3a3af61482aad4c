export { createPalette, DEFAULT_GRADIENT, type Gradient } from './gradient';
export type { Heatmap, HeatmapCell, HeatmapReachPoint, RenderStats } from './heatmap';
export { type RenderHeatmapOptions, renderHeatmap } from './render-heatmap';
export {
  DIFF_GRADIENT,
  diffPalettePosition,
  type RenderHeatmapDiffOptions,
  renderHeatmapDiff,
} from './render-heatmap-diff';
export { REACH_GRADIENT, type RenderScrollReachOptions, renderScrollReach } from './render-scroll-reach';
export {
  PREVIEW_FRAME_NAME,
  startTracking,
  type TrackedEvent,
  type Tracking,
  type TrackingOptions,
} from './start-tracking';
