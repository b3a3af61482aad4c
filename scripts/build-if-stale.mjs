// `pnpm test` and `pnpm test:long` need the packages built (some tests import `dist`, the browser
// and viewer tests load the bundles). CI builds first and then runs both, so each would build
// again for nothing — about 26 s each on the 2-core machine. This runs `pnpm build` unless every
// package has a `dist` newer than everything a build reads: any package's sources, scripts,
// package.json, tsup and TypeScript configs, and the lockfile. Any package counts for every
// other, because bundles take code from their workspace dependencies (the viewer bundles the
// browser renderers). `--force` always builds; `--dry-run` only says what it would do.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(root, 'packages');

/** Newest and oldest modification time of the files under `path` (a file or a folder). */
function times(path, acc = { newest: 0, oldest: Number.POSITIVE_INFINITY, files: 0 }) {
  if (!existsSync(path)) return acc;
  const stat = statSync(path);
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) if (entry !== 'node_modules') times(join(path, entry), acc);
  } else {
    acc.newest = Math.max(acc.newest, stat.mtimeMs);
    acc.oldest = Math.min(acc.oldest, stat.mtimeMs);
    acc.files++;
  }
  return acc;
}

function staleReason() {
  const inputs = { newest: 0, oldest: Number.POSITIVE_INFINITY, files: 0 };
  for (const file of ['package.json', 'pnpm-lock.yaml', 'tsconfig.json', 'tsconfig.base.json'])
    times(join(root, file), inputs);
  let oldestOutput = Number.POSITIVE_INFINITY;
  for (const name of readdirSync(packagesDir)) {
    const dir = join(packagesDir, name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    for (const input of ['src', 'scripts', 'package.json', 'tsup.config.ts', 'tsconfig.json'])
      times(join(dir, input), inputs);
    const output = times(join(dir, 'dist'));
    if (output.files === 0) return `packages/${name} has no dist`;
    oldestOutput = Math.min(oldestOutput, output.oldest);
  }
  if (inputs.newest >= oldestOutput) return 'a source or config is newer than a dist';
  return undefined;
}

const reason = process.argv.includes('--force') ? '--force' : staleReason();
if (reason === undefined) {
  console.log('build: every package is up to date (each dist is newer than all sources); skipped');
} else {
  console.log(`build: ${reason}; building every package`);
  if (!process.argv.includes('--dry-run')) execFileSync('pnpm', ['build'], { cwd: root, stdio: 'inherit' });
}
