import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce } from '@monkeytracker/test-kit';

/** The package directory (packages/browser). */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));
const outputs = [
  'index.js',
  'index.cjs',
  'index.d.ts',
  'index.d.cts',
  'tracker.global.js',
  'heatmap.global.js',
];

/** Builds the package when `dist` is incomplete. Returns the dist directory. */
export function ensureBuilt(): string {
  const dist = join(packageDir, 'dist');
  buildOnce({
    filters: ['@monkeytracker/browser'],
    isBuilt: () => outputs.every((file) => existsSync(join(dist, file))),
  });
  return dist;
}
