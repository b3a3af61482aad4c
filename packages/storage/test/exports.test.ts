import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Imports the BUILT package by name from a plain `node` (no source condition), as a user would,
// so a broken exports map or a missing dist file fails here. Needs `pnpm build` first.
// `./contract` is ESM only (vitest cannot be require()d); Node >= 20.19 require()s it as ESM.
const pkgDir = fileURLToPath(new URL('..', import.meta.url));

function node(code: string, type: 'module' | 'commonjs'): string {
  return execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], {
    cwd: pkgDir,
    encoding: 'utf8',
  }).trim();
}

describe('published entry points', () => {
  it('dist is built', () => {
    expect(existsSync(new URL('../dist/index.js', import.meta.url)), 'run `pnpm build` first').toBe(true);
  });

  it('import() of "@monkeytracker/storage" and "/contract"', () => {
    const out = node(
      `const m = await import('@monkeytracker/storage');
       const c = await import('@monkeytracker/storage/contract');
       console.log([typeof m.MemoryStorage, typeof m.foldMerge, typeof m.STORAGE_ERRORS, typeof c.storageContract].join(','));`,
      'module',
    );
    expect(out).toBe('function,function,object,function');
  });

  it('require() of "@monkeytracker/storage" and "/contract"', () => {
    const out = node(
      `const m = require('@monkeytracker/storage');
       const c = require('@monkeytracker/storage/contract');
       console.log([typeof m.MemoryStorage, typeof m.StorageClosedError, typeof c.storageContract].join(','));`,
      'commonjs',
    );
    expect(out).toBe('function,function,function');
  });

  it('MemoryStorage from dist works', () => {
    const out = node(
      `const { MemoryStorage } = await import('@monkeytracker/storage');
       const s = new MemoryStorage();
       await s.close();
       const e = await s.get([]).catch((e) => e);
       console.log(e.code);`,
      'module',
    );
    expect(out).toBe('STORAGE_CLOSED');
  });
});
