// Builds the single-page app into dist/app/: src/app/main.tsx (Preact, with the renderers of
// @monkeytracker/browser bundled from source) and src/app/viewer.css, minified, each under a
// content-hashed name, plus manifest.json (file → content type, and the entry files), which
// createViewer reads. Runs after tsup (which cleans dist/).
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'app');

const common = {
  bundle: true,
  minify: true,
  write: false,
  legalComments: 'none',
  target: ['chrome111', 'firefox114', 'safari16.4'],
  logLevel: 'warning',
};

const [js, css] = await Promise.all([
  build({
    ...common,
    entryPoints: [join(root, 'src/app/main.tsx')],
    format: 'iife',
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    conditions: ['@monkeytracker/source'],
    define: { 'process.env.NODE_ENV': '"production"' },
    outfile: 'app.js',
  }),
  build({ ...common, entryPoints: [join(root, 'src/app/viewer.css')], outfile: 'app.css' }),
]);

const hashed = (text, ext) => `app-${createHash('sha256').update(text).digest('hex').slice(0, 10)}.${ext}`;
const jsText = js.outputFiles[0].text;
const cssText = css.outputFiles[0].text;
const files = {
  [hashed(jsText, 'js')]: ['text/javascript; charset=utf-8', jsText],
  [hashed(cssText, 'css')]: ['text/css; charset=utf-8', cssText],
};
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const [name, [, text]] of Object.entries(files)) writeFileSync(join(out, name), text);
const names = Object.keys(files);
const manifest = {
  files: Object.fromEntries(Object.entries(files).map(([name, [type]]) => [name, type])),
  entry: { js: names.find((n) => n.endsWith('.js')), css: names.find((n) => n.endsWith('.css')) },
};
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`viewer app: ${names.map((n) => `dist/app/${n}`).join(', ')}`);
