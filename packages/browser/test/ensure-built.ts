import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package directory (packages/browser). */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = join(packageDir, '..', '..');
const outputs = [
  'index.js',
  'index.cjs',
  'index.d.ts',
  'index.d.cts',
  'tracker.global.js',
  'heatmap.global.js',
];

function built(): boolean {
  return outputs.every((file) => existsSync(join(packageDir, 'dist', file)));
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds the package when `dist` is incomplete (`pnpm test` builds first, so usually it is not).
 * Test files run in parallel workers, so one builds under a lock directory and the rest wait.
 * Returns the dist directory.
 */
export function ensureBuilt(): string {
  const dist = join(packageDir, 'dist');
  if (built()) return dist;
  const lock = join(tmpdir(), 'monkeytracker-browser-build.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another worker is building; a lock older than 2 minutes is left over from a crash.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 120_000)
        rmSync(lock, { force: true, recursive: true });
      sleep(200);
      if (!existsSync(lock) && built()) return dist;
    }
  }
  try {
    if (!built()) {
      execFileSync('pnpm', ['--filter', '@monkeytracker/browser', 'build'], { cwd: repoDir, stdio: 'pipe' });
    }
  } finally {
    rmSync(lock, { force: true, recursive: true });
  }
  return dist;
}
