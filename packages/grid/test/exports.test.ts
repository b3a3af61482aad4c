import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Imports the BUILT package by name through its exports map, as a user's code would:
// a broken `exports` entry or a missing dist file fails here. `pnpm test` builds first.
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const names = [
  'validateEvent',
  'normalizeUrl',
  'bucketOf',
  'cellOf',
  'dayPeriod',
  'keyToString',
  'GridBuilder',
  'mergeMany',
  'encodeIndex',
  'decodeIndex',
  'scrollReach',
];

function run(code: string, type: 'module' | 'commonjs'): string[] {
  const out = execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], {
    cwd: packageDir,
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

describe('published entry points', () => {
  it('import() resolves the ESM build by package name', () => {
    const keys = run(
      `const m = await import('@monkeytracker/grid'); console.log(JSON.stringify(Object.keys(m)))`,
      'module',
    );
    for (const name of names) expect(keys).toContain(name);
  });
  it('require() resolves the CJS build by package name', () => {
    const keys = run(`console.log(JSON.stringify(Object.keys(require('@monkeytracker/grid'))))`, 'commonjs');
    for (const name of names) expect(keys).toContain(name);
  });
});
