import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { createViewer } from '../src/index';
import { ensureBuilt, packageDir } from './ensure-built';

/** What a browser downloads to open the viewer (index.html, the script, the style sheet), gzipped (level 9). */
const BUDGET = 30 * 1024;

beforeAll(() => ensureBuilt(), 120_000);

describe('bundle size', () => {
  it(`the viewer app is at most ${BUDGET / 1024} KiB gzipped, everything included`, () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'dist/app/manifest.json'), 'utf8')) as {
      entry: { js: string; css: string };
    };
    const index = createViewer().asset('index.html')!.body as string;
    const sizes = {
      'index.html': gzipSync(index, { level: 9 }).length,
      js: gzipSync(readFileSync(join(packageDir, 'dist/app', manifest.entry.js)), { level: 9 }).length,
      css: gzipSync(readFileSync(join(packageDir, 'dist/app', manifest.entry.css)), { level: 9 }).length,
    };
    const total = sizes['index.html'] + sizes.js + sizes.css;
    console.log(
      `[size] viewer: ${sizes.js} B script + ${sizes.css} B styles + ${sizes['index.html']} B index.html = ${total} B gzipped (budget ${BUDGET} B)`,
    );
    expect(total).toBeLessThanOrEqual(BUDGET);
  });
});
