import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package directory (packages/viewer). */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = join(packageDir, '..', '..');
/** @monkeytracker/browser's dist, for the tracking snippet the fixture pages load. */
export const browserDist = join(
  dirname(createRequire(import.meta.url).resolve('@monkeytracker/browser/package.json')),
  'dist',
);

function built(): boolean {
  return (
    existsSync(join(packageDir, 'dist', 'app', 'manifest.json')) &&
    existsSync(join(packageDir, 'dist', 'index.js')) &&
    existsSync(join(packageDir, 'dist', 'index.cjs')) &&
    existsSync(join(browserDist, 'tracker.global.js'))
  );
}

/**
 * Builds the viewer (and the browser package, for the snippet) when a dist is incomplete
 * (`pnpm test` builds first, so usually it is not), under a lock directory shared by the test
 * files that run in parallel workers.
 */
export function ensureBuilt(): void {
  if (built()) return;
  const lock = join(tmpdir(), 'monkeytracker-viewer-build.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 120_000)
        rmSync(lock, { force: true, recursive: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      if (!existsSync(lock) && built()) return;
    }
  }
  try {
    if (!built()) {
      execFileSync(
        'pnpm',
        ['--filter', '@monkeytracker/browser', '--filter', '@monkeytracker/viewer', 'build'],
        {
          cwd: repoDir,
          stdio: 'pipe',
        },
      );
    }
  } finally {
    rmSync(lock, { force: true, recursive: true });
  }
}
