export { createPalette, DEFAULT_GRADIENT, type Gradient } from './gradient';
export type { Heatmap, HeatmapCell, HeatmapReachPoint, RenderStats } from './heatmap';
export { type RenderHeatmapOptions, renderHeatmap } from './render-heatmap';
export { REACH_GRADIENT, type RenderScrollReachOptions, renderScrollReach } from './render-scroll-reach';
export { startTracking, type TrackedEvent, type Tracking, type TrackingOptions } from './start-tracking';
