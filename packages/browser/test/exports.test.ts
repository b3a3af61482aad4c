import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir } from './ensure-built';

// Imports the BUILT package by name through its exports map, as a user's code would, in a
// plain Node process: the entry points must load without a DOM (nothing touches `window` at
// import time).
const functions = [
  'startTracking',
  'renderHeatmap',
  'renderScrollReach',
  'renderHeatmapDiff',
  'createPalette',
];

function run(code: string, type: 'module' | 'commonjs'): Record<string, string> {
  const out = execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], {
    cwd: packageDir,
    encoding: 'utf8',
  });
  return JSON.parse(out) as Record<string, string>;
}

const describeExports = `const types = {}; for (const k of Object.keys(m)) types[k] = typeof m[k]; console.log(JSON.stringify(types));`;

beforeAll(() => {
  ensureBuilt();
}, 120_000);

describe('published entry points', () => {
  it('import() resolves the ESM build by package name', () => {
    const types = run(`const m = await import('@monkeytracker/browser'); ${describeExports}`, 'module');
    for (const name of functions) expect(types[name], name).toBe('function');
    expect(types.DEFAULT_GRADIENT).toBe('object');
  });
  it('require() resolves the CJS build by package name', () => {
    const types = run(`const m = require('@monkeytracker/browser'); ${describeExports}`, 'commonjs');
    for (const name of functions) expect(types[name], name).toBe('function');
  });
  it('startTracking without a DOM returns an inert tracker instead of throwing', () => {
    const out = run(
      `const m = await import('@monkeytracker/browser'); const t = m.startTracking({ endpoint: '/mt/collect' }); t.stop(); t.stop(); console.log(JSON.stringify({ stop: typeof t.stop }));`,
      'module',
    );
    expect(out.stop).toBe('function');
  });
  it('the script builds are exported', () => {
    const out = run(
      `console.log(JSON.stringify({ tracker: require.resolve('@monkeytracker/browser/tracker.global.js'), heatmap: require.resolve('@monkeytracker/browser/heatmap.global.js') }))`,
      'commonjs',
    );
    expect(out.tracker).toMatch(/dist[\\/]tracker\.global\.js$/);
    expect(out.heatmap).toMatch(/dist[\\/]heatmap\.global\.js$/);
  });
});
