// `pnpm demo [-- --simulate --port 3000 --host 127.0.0.1 --data <dir> --views 1500]`
//
// Runs examples/demo-server (a node:http server with a tracked page, @monkeytracker/viewer and a
// traffic simulator; see its README). The demo uses the packages as a user would, through
// their built `dist/`, so this first builds them when a dist is missing or older than its
// sources (~30 s), then runs the demo's src/main.ts in this process through tsx (one process:
// Ctrl+C reaches the demo once and it shuts down cleanly).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const demoDir = join(root, 'examples', 'demo-server');

/** What the demo loads from each package's dist. */
const NEEDED = {
  grid: ['index.js'],
  journal: ['index.js'],
  storage: ['index.js'],
  query: ['index.js'],
  monkeytracker: ['index.js'],
  browser: ['index.js', 'tracker.global.js'],
  viewer: ['index.js', 'app/manifest.json'],
};

function newestIn(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Packages whose dist is missing or older than their src. */
function stalePackages() {
  const stale = [];
  for (const [name, files] of Object.entries(NEEDED)) {
    const pkg = join(root, 'packages', name);
    const built = files.map((file) => join(pkg, 'dist', file));
    if (!built.every((file) => existsSync(file))) stale.push(name);
    else if (newestIn(join(pkg, 'src')) > Math.min(...built.map((file) => statSync(file).mtimeMs)))
      stale.push(name);
  }
  return stale;
}

const stale = stalePackages();
if (stale.length > 0) {
  console.log(`demo: building the packages first (dist missing or older than src: ${stale.join(', ')})…`);
  try {
    execFileSync('pnpm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    console.error('demo: `pnpm build` failed (its errors are above); fix them and run `pnpm demo` again.');
    process.exit(1);
  }
}

// What `node --import tsx` does, from here: tsx is a dependency of the demo, not of the root.
const tsx = createRequire(join(demoDir, 'package.json')).resolve('tsx');
await import(pathToFileURL(tsx).href);
await import(pathToFileURL(join(demoDir, 'src', 'main.ts')).href);
