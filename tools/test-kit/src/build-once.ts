import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_DIR = fileURLToPath(new URL('../../..', import.meta.url));
/** One lock for every caller: two packages' tests never build the same dist at once. */
const LOCK = join(tmpdir(), 'monkeytracker-test-build.lock');
/** A lock older than this is left over from a crashed worker. */
const STALE_LOCK_MS = 120_000;

/**
 * Builds workspace packages (`pnpm --filter F build` for each of `filters`) for tests that use
 * their built output, unless `isBuilt()` already holds — `pnpm test` builds first, so usually
 * it does. Test files run in parallel workers: one builds under a lock directory, the others
 * wait for it and then see `isBuilt()`.
 */
export function buildOnce(options: { filters: readonly string[]; isBuilt: () => boolean }): void {
  if (options.isBuilt()) return;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? 0) > STALE_LOCK_MS)
        rmSync(LOCK, { force: true, recursive: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      if (!existsSync(LOCK) && options.isBuilt()) return;
    }
  }
  try {
    if (!options.isBuilt()) {
      const args = options.filters.flatMap((f) => ['--filter', f]);
      execFileSync('pnpm', [...args, 'build'], { cwd: REPO_DIR, stdio: 'pipe' });
    }
  } finally {
    rmSync(LOCK, { force: true, recursive: true });
  }
}
