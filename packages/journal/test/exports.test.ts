import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, PACKAGE_DIR } from './build-dist';

// Imports the BUILT package by name from its own directory (package self-reference), so a
// broken exports map or a bad ESM/CJS build fails here.
beforeAll(() => ensureBuilt(), 120_000);

const CHECK = `const names = ['openJournal', 'readJournal', 'verifyJournal', 'pruneJournal'];
  const out = names.map((n) => n + ':' + typeof m[n]).join(',') + ',codes:' + Object.keys(m.JOURNAL_ERRORS).length;
  process.stdout.write(out);`;
const EXPECTED =
  /^openJournal:function,readJournal:function,verifyJournal:function,pruneJournal:function,codes:\d+$/;

describe('published entry points', () => {
  it('imports as ESM', () => {
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `import('@monkeytracker/journal').then((m) => { ${CHECK} });`],
      { cwd: PACKAGE_DIR },
    ).toString();
    expect(out).toMatch(EXPECTED);
  });

  it('requires as CommonJS', () => {
    const out = execFileSync(
      process.execPath,
      ['-e', `const m = require('@monkeytracker/journal'); ${CHECK}`],
      { cwd: PACKAGE_DIR },
    ).toString();
    expect(out).toMatch(EXPECTED);
  });
});
