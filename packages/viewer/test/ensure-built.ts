import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce } from '@monkeytracker/test-kit';

/** The package directory (packages/viewer). */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));
/** @monkeytracker/browser's dist, for the tracking snippet the fixture pages load. */
export const browserDist = join(
  dirname(createRequire(import.meta.url).resolve('@monkeytracker/browser/package.json')),
  'dist',
);

/** Builds the viewer (and the browser package, for the snippet) when a dist is incomplete. */
export function ensureBuilt(): void {
  buildOnce({
    filters: ['@monkeytracker/browser', '@monkeytracker/viewer'],
    isBuilt: () =>
      ['app/manifest.json', 'index.js', 'index.cjs'].every((f) => existsSync(join(packageDir, 'dist', f))) &&
      existsSync(join(browserDist, 'tracker.global.js')),
  });
}
