import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir } from './ensure-built';

// Imports the BUILT package by name, as a user's server would, in a plain Node process: both
// builds find the app in dist/app/ (the CJS one through tsup's import.meta.url shim).
function run(code: string, type: 'module' | 'commonjs'): string {
  return execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], {
    cwd: packageDir,
    encoding: 'utf8',
  }).trim();
}

const probe = `const v = m.createViewer(); const i = v.asset('index.html'); const js = /src="(app-[^"]+)"/.exec(i.body)[1];
  console.log([typeof m.createViewer, Object.keys(m.VIEWER_ERRORS).length, v.asset(js).contentType, v.loginPage.contentType].join(' '));`;

beforeAll(() => ensureBuilt(), 120_000);

describe('published entry points', () => {
  it('import() resolves the ESM build and serves the app', () => {
    expect(run(`const m = await import('@monkeytracker/viewer'); ${probe}`, 'module')).toBe(
      'function 2 text/javascript; charset=utf-8 text/html; charset=utf-8',
    );
  });
  it('require() resolves the CJS build and serves the app', () => {
    expect(run(`const m = require('@monkeytracker/viewer'); ${probe}`, 'commonjs')).toBe(
      'function 2 text/javascript; charset=utf-8 text/html; charset=utf-8',
    );
  });
});
