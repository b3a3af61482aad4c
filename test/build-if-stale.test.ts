// `pnpm test` skips the build when every dist is newer than all sources (scripts/build-if-stale.mjs).
// The failure that matters is the silent one: calling stale output up to date, so tests run
// against old code. Each case makes one input newer than the dist (or one dist older than the
// inputs) and expects a build; mtimes are restored afterwards.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function dryRun(): string {
  return execFileSync('node', [join(root, 'scripts/build-if-stale.mjs'), '--dry-run'], {
    cwd: root,
    encoding: 'utf8',
  });
}

/** Sets `file`'s mtime to `at` (ms) while `fn` runs, then back. */
function withMtime(file: string, at: number, fn: () => void): void {
  const { atime, mtime } = statSync(file);
  utimesSync(file, at / 1000, at / 1000);
  try {
    fn();
  } finally {
    utimesSync(file, atime, mtime);
  }
}

function firstFile(dir: string): string {
  const entry = readdirSync(dir, { withFileTypes: true }).find((e) => e.isFile());
  if (!entry) throw new Error(`no file in ${dir}`);
  return join(dir, entry.name);
}

describe('scripts/build-if-stale.mjs', () => {
  const building = /^build: .*; building every package$/m;

  it('builds when a source of any package is newer than a dist', () => {
    withMtime(join(root, 'packages/browser/src/index.ts'), Date.now() + 60_000, () => {
      expect(dryRun()).toMatch(building);
    });
  });

  it('builds when one dist file is older than the sources, and when the lockfile changed', () => {
    withMtime(firstFile(join(root, 'packages/grid/dist')), 0, () => {
      expect(dryRun()).toMatch(building);
    });
    withMtime(join(root, 'pnpm-lock.yaml'), Date.now() + 60_000, () => {
      expect(dryRun()).toMatch(building);
    });
  });

  it('skips only when nothing is newer: after a build the same check says up to date', () => {
    // `pnpm test` ran the script before vitest, so the tree is built (or was just built).
    expect(dryRun(), 'the tree must be built (pnpm test builds it first)').toMatch(
      /^build: every package is up to date/m,
    );
  });
});
