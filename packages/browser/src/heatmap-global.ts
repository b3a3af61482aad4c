// The `<script>` build of the renderers (dist/heatmap.global.js), for a dashboard page:
// puts `renderHeatmap` and `renderScrollReach` on `window.MonkeyTracker`, beside
// `startTracking` when tracker.global.js is loaded too.
import type { MonkeyTrackerGlobal } from './global';
import { renderHeatmap } from './render-heatmap';
import { renderScrollReach } from './render-scroll-reach';

const api: MonkeyTrackerGlobal = (window.MonkeyTracker = window.MonkeyTracker || {});
api.renderHeatmap = renderHeatmap;
api.renderScrollReach = renderScrollReach;
