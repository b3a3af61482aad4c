/** Makes sure `dist/` exists and is newer than `src/`, for tests that run the built package in a child process. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package directory. */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Builds the package unless `dist/` is already up to date. */
export function ensureBuilt(): void {
  const dist = join(PACKAGE_DIR, 'dist', 'index.js');
  const src = join(PACKAGE_DIR, 'src');
  const newestSrc = Math.max(...readdirSync(src).map((f) => statSync(join(src, f)).mtimeMs));
  if (
    existsSync(dist) &&
    existsSync(join(PACKAGE_DIR, 'dist', 'index.cjs')) &&
    statSync(dist).mtimeMs >= newestSrc
  ) {
    return;
  }
  execFileSync('pnpm', ['--filter', '@monkeytracker/journal', 'build'], {
    cwd: PACKAGE_DIR,
    stdio: 'ignore',
  });
}
