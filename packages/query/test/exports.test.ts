import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('published entry points', () => {
  // Imports the BUILT package by name through its exports map; `pnpm test` builds first.
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  const names = ['planQuery', 'reduceHeatmap', 'queryHeatmap', 'InvalidRangeError', 'InvalidQueryError'];
  it.each([
    ['module', `const m = await import('@monkeytracker/query'); console.log(JSON.stringify(Object.keys(m)))`],
    ['commonjs', `console.log(JSON.stringify(Object.keys(require('@monkeytracker/query'))))`],
  ])('resolves as %s', (type, code) => {
    const keys = JSON.parse(
      execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], { cwd, encoding: 'utf8' }),
    );
    for (const name of names) expect(keys).toContain(name);
  });
});
