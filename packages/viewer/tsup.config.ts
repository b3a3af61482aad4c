import { packageConfig } from '../../tsup.shared';

// The Node side (createViewer): ESM + CJS + .d.ts. The single-page app itself is bundled by
// scripts/build-app.mjs into dist/app/ after this build (this one cleans dist first).
// `shims` gives the CJS build an import.meta.url, which createViewer uses to find dist/app/.
export default packageConfig({ shims: true });
