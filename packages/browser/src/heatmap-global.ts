// The `<script>` build of the renderers (dist/heatmap.global.js), for a dashboard page:
// puts `renderHeatmap`, `renderScrollReach` and `renderHeatmapDiff` on `window.MonkeyTracker`, beside
// `startTracking` when tracker.global.js is loaded too.
import type { MonkeyTrackerGlobal } from './global';
import { renderHeatmap } from './render-heatmap';
import { renderHeatmapDiff } from './render-heatmap-diff';
import { renderScrollReach } from './render-scroll-reach';

const api: MonkeyTrackerGlobal = (window.MonkeyTracker = window.MonkeyTracker || {});
api.renderHeatmap = renderHeatmap;
api.renderScrollReach = renderScrollReach;
api.renderHeatmapDiff = renderHeatmapDiff;
