// The `<script>` build of the tracker (dist/tracker.global.js): puts `startTracking` on
// `window.MonkeyTracker` and starts tracking on its own when the tag carries `data-endpoint`:
//   <script src="/mt/tracker.js" data-endpoint="/mt/collect" data-keep-query="lang" defer></script>
// The renderers are a separate script (dist/heatmap.global.js, see heatmap-global.ts), so the
// pages being tracked do not download them.
import type { renderHeatmap } from './render-heatmap';
import type { renderHeatmapDiff } from './render-heatmap-diff';
import type { renderScrollReach } from './render-scroll-reach';
import { startTracking, type Tracking } from './start-tracking';

/** What the script builds put on `window.MonkeyTracker` (each adds its part). */
export interface MonkeyTrackerGlobal {
  /** From tracker.global.js. */
  startTracking?: typeof startTracking;
  /** The tracker started from the script tag's `data-*` attributes, if any (tracker.global.js). */
  tracking?: Tracking;
  /** From heatmap.global.js. */
  renderHeatmap?: typeof renderHeatmap;
  /** From heatmap.global.js. */
  renderScrollReach?: typeof renderScrollReach;
  /** From heatmap.global.js. */
  renderHeatmapDiff?: typeof renderHeatmapDiff;
}

declare global {
  interface Window {
    MonkeyTracker: MonkeyTrackerGlobal;
  }
}

try {
  const api = (window.MonkeyTracker = window.MonkeyTracker || {});
  api.startTracking = startTracking;
  const data = (document.currentScript as HTMLScriptElement | null)?.dataset;
  if (data?.endpoint) {
    const moves = data.moves;
    api.tracking = startTracking({
      endpoint: data.endpoint,
      site: data.site,
      sampleRate: data.sampleRate ? +data.sampleRate : 1,
      // data-moves (or data-moves="true"): every 100 ms at most; data-moves="250": every 250 ms.
      moves: moves === undefined || moves === 'false' ? false : +moves || true,
      // data-keep-query="lang,color": the query parameters sent with the url (others never are).
      keepQuery: data.keepQuery ? data.keepQuery.split(',') : undefined,
    });
  }
} catch {}
