import { defineConfig, type Options } from 'tsup';
import { packageConfig } from '../../tsup.shared';

// Two builds: the library (ESM + CJS + .d.ts, for bundlers) and the minified `<script>` builds
// (IIFE, each adds its part to window.MonkeyTracker): `dist/tracker.global.js`, the tracking
// snippet for every page (≤ 3 KB gzipped), and `dist/heatmap.global.js`, the renderers for a
// dashboard. The library build cleans dist but keeps the script builds, which run beside it.
const browser: Options = { platform: 'browser', target: 'es2020' };

export default defineConfig([
  packageConfig({ ...browser, clean: ['!*.global.js'] }) as Options,
  {
    ...browser,
    entry: { tracker: 'src/global.ts', heatmap: 'src/heatmap-global.ts' },
    format: ['iife'],
    minify: true,
    treeshake: true,
    sourcemap: false,
    dts: false,
    clean: false,
  },
]);
