/** Makes sure the facade and its dependencies are built, for tests that run it in a child process. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package directory. */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Builds `monkeytracker` and the packages it depends on unless its `dist/` is newer than `src/`. */
export function ensureBuilt(): void {
  const dist = join(PACKAGE_DIR, 'dist', 'index.js');
  const src = join(PACKAGE_DIR, 'src');
  const newestSrc = Math.max(...readdirSync(src).map((f) => statSync(join(src, f)).mtimeMs));
  if (existsSync(dist) && statSync(dist).mtimeMs >= newestSrc) return;
  execFileSync('pnpm', ['--filter', 'monkeytracker...', 'build'], { cwd: PACKAGE_DIR, stdio: 'ignore' });
}
