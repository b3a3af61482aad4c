import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './ensure-built';

const BUDGET = 3072; // bytes, minified + gzipped (level 9)

let dist = '';
beforeAll(() => {
  dist = ensureBuilt();
}, 120_000);

describe('size budget', () => {
  it(`dist/tracker.global.js is at most ${BUDGET} bytes gzipped`, () => {
    const code = readFileSync(join(dist, 'tracker.global.js'));
    const gzipped = gzipSync(code, { level: 9 }).length;
    console.log(
      `[size] tracker.global.js: ${code.length} B minified, ${gzipped} B gzipped (budget ${BUDGET} B)`,
    );
    expect(gzipped).toBeLessThanOrEqual(BUDGET);
  });
  it('dist/heatmap.global.js (the renderers, for a dashboard) stays small too', () => {
    const code = readFileSync(join(dist, 'heatmap.global.js'));
    const gzipped = gzipSync(code, { level: 9 }).length;
    console.log(`[size] heatmap.global.js: ${code.length} B minified, ${gzipped} B gzipped`);
    expect(gzipped).toBeLessThanOrEqual(4096);
  });
  it('the script build is minified and carries no source map reference or Node globals', () => {
    const code = readFileSync(join(dist, 'tracker.global.js'), 'utf8');
    expect(code.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
    expect(code).not.toMatch(/sourceMappingURL|require\(|process\./);
    expect(code).toContain('window.MonkeyTracker');
    expect(code).not.toContain('renderHeatmap'); // the renderers are in heatmap.global.js
  });
});
