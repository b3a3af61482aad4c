import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildOnce } from '@monkeytracker/test-kit';

const require = createRequire(import.meta.url);
const browserDist = join(dirname(require.resolve('@monkeytracker/browser/package.json')), 'dist');
const viewerDist = join(dirname(require.resolve('@monkeytracker/viewer/package.json')), 'dist');

/**
 * The demo serves @monkeytracker/browser's tracking snippet and @monkeytracker/viewer's app from
 * their dist; build them when missing.
 */
export function ensureBrowserBuilt(): void {
  buildOnce({
    filters: ['@monkeytracker/browser', '@monkeytracker/viewer'],
    isBuilt: () =>
      existsSync(join(browserDist, 'tracker.global.js')) &&
      existsSync(join(viewerDist, 'app', 'manifest.json')),
  });
}
