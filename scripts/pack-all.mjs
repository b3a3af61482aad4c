// `pnpm pack:all [-- --out <dir>]`: packs every published package (packages/*) into one folder
// (default ./packages.tgz/), with workspace dependencies rewritten to real versions, so another
// app can install them before they are on npm:
//
//   npm install /path/to/monkeytracker/packages.tgz/*.tgz
//
// Prints the tarball paths, one per line.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2).filter((a) => a !== '--');
const outIndex = args.indexOf('--out');
const out = resolve(outIndex >= 0 ? args[outIndex + 1] : join(root, 'packages.tgz'));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => join(root, 'packages', d.name))
  .filter((dir) => !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private);
for (const dir of packages) {
  execFileSync('pnpm', ['pack', '--pack-destination', out], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
for (const file of readdirSync(out).sort()) console.log(join(out, file));
