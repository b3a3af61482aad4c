/** Makes sure the CLI and the packages it runs are built, for tests that run the bin in a child process. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package directory. */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The built bin. */
export const CLI = join(PACKAGE_DIR, 'dist', 'bin.js');

/** Builds the CLI and what it depends on unless `dist/bin.js` is newer than every source file. */
export function ensureBuilt(): void {
  const src = join(PACKAGE_DIR, 'src');
  const newest = Math.max(...readdirSync(src).map((f) => statSync(join(src, f)).mtimeMs));
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newest) return;
  execFileSync('pnpm', ['--filter', '@monkeytracker/cli...', 'build'], { cwd: PACKAGE_DIR, stdio: 'ignore' });
}
