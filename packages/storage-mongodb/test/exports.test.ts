import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Imports the BUILT package by name from a plain `node` (no source condition), as a user would,
// so a broken exports map or a missing dist file fails here. Needs `pnpm build` first.
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

  it('import() of "@monkeytracker/storage-mongodb"', () => {
    const out = node(
      `const m = await import('@monkeytracker/storage-mongodb');
       console.log([typeof m.MongoStorage, typeof m.MONGO_STORAGE_ERRORS, typeof m.MongoStorageOptionsError].join(','));`,
      'module',
    );
    expect(out).toBe('function,object,function');
  });

  it('require() of "@monkeytracker/storage-mongodb"', () => {
    const out = node(
      `const m = require('@monkeytracker/storage-mongodb');
       const s = new m.MongoStorage({ uri: 'mongodb://127.0.0.1:1' });
       console.log(typeof m.MongoStorage, s.capabilities.durable);`,
      'commonjs',
    );
    expect(out).toBe('function true');
  });
});
