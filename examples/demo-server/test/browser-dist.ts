import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoDir = fileURLToPath(new URL('../../..', import.meta.url));

const require = createRequire(import.meta.url);
const browserDist = join(dirname(require.resolve('@monkeytracker/browser/package.json')), 'dist');
const viewerDist = join(dirname(require.resolve('@monkeytracker/viewer/package.json')), 'dist');

function built(): boolean {
  return (
    existsSync(join(browserDist, 'tracker.global.js')) && existsSync(join(viewerDist, 'app', 'manifest.json'))
  );
}

/**
 * The demo serves @monkeytracker/browser's tracking snippet and @monkeytracker/viewer's app from
 * their dist; build them when missing (`pnpm test` builds first, so usually they are not). Uses
 * the same lock directory as the browser package's own tests, which may be building it.
 */
export function ensureBrowserBuilt(): void {
  if (built()) return;
  const lock = join(tmpdir(), 'monkeytracker-browser-build.lock');
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
    if (!built())
      execFileSync(
        'pnpm',
        ['--filter', '@monkeytracker/browser', '--filter', '@monkeytracker/viewer', 'build'],
        {
          cwd: repoDir,
          stdio: 'pipe',
        },
      );
  } finally {
    rmSync(lock, { force: true, recursive: true });
  }
}
