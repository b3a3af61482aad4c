import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoDir = fileURLToPath(new URL('../../..', import.meta.url));

const browserDist = join(
  dirname(createRequire(import.meta.url).resolve('@monkeytracker/browser/package.json')),
  'dist',
);

function built(): boolean {
  return ['tracker.global.js', 'heatmap.global.js'].every((file) => existsSync(join(browserDist, file)));
}

/**
 * The demo serves @monkeytracker/browser's `<script>` builds from its dist; build the package
 * when they are missing (`pnpm test` builds first, so usually they are not). Uses the same lock
 * directory as that package's own tests, which may be building it in another worker.
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
      execFileSync('pnpm', ['--filter', '@monkeytracker/browser', 'build'], { cwd: repoDir, stdio: 'pipe' });
  } finally {
    rmSync(lock, { force: true, recursive: true });
  }
}
