#!/usr/bin/env node
/**
 * Opt-in: installs the query benchmark's SQLite peer (better-sqlite3, a native addon compiled
 * by node-gyp) into `benchmarks/.peers/`, outside the workspace and its lockfile, so a default
 * `pnpm install` never builds it. Where Debian's Node headers are installed
 * (`/usr/include/node/node.h`) node-gyp is pointed at them (`npm_config_nodedir=/usr`), because
 * it cannot download them on a closed network. Run it as
 * `pnpm --filter @monkeytracker/benchmarks install-sqlite-peer`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = '12';
const peers = join(dirname(fileURLToPath(import.meta.url)), '..', '.peers');
mkdirSync(peers, { recursive: true });
const manifest = join(peers, 'package.json');
if (!existsSync(manifest)) {
  writeFileSync(
    manifest,
    `${JSON.stringify({ name: 'monkeytracker-bench-peers', private: true, description: 'opt-in benchmark peers (install-sqlite-peer); not part of the workspace' }, null, 2)}\n`,
  );
}
const env = { ...process.env };
if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
console.log(
  `installing better-sqlite3@${VERSION} into ${peers}${env.npm_config_nodedir ? ` (node-gyp headers from ${env.npm_config_nodedir})` : ''}`,
);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(
  npm,
  ['install', '--prefix', peers, '--no-audit', '--no-fund', '--save-exact', `better-sqlite3@${VERSION}`],
  { stdio: 'inherit', env },
);
if (result.status !== 0) {
  console.error('better-sqlite3 could not be installed; the query benchmark will skip its SQLite peer');
  process.exit(result.status ?? 1);
}
console.log('better-sqlite3 installed; `pnpm bench query` now includes the SQLite peer');
