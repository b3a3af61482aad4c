/**
 * Install before publishing: `pnpm pack:all` packs every published package, and the README's
 * install line (`npm install …/packages.tgz/*.tgz`) installs them into a scratch app, which then
 * imports them as ESM and CommonJS, type-checks against their `.d.ts`, and runs the bin.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'mt-tarballs-'));
const out = join(work, 'packages.tgz');
const app = join(work, 'app');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The install line of the root README, with the folder it names. */
function readmeInstallLine(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const line = /^npm install \S*packages\.tgz\/\*\.tgz$/m.exec(readme)?.[0];
  if (!line) throw new Error('the README has no `npm install …/packages.tgz/*.tgz` line');
  return line;
}

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 50_000 });

beforeAll(() => {
  run(process.execPath, [join(root, 'scripts/pack-all.mjs'), '--out', out], root);
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }),
  );
  // The README's line, pointed at this pack: `npm install /path/to/monkeytracker/packages.tgz/*.tgz`.
  const line = readmeInstallLine().replace(/\S*packages\.tgz\//, `${out}/`);
  run('sh', ['-c', `${line} --no-audit --no-fund --loglevel=error`], app);
}, 60_000);

describe('the packed packages, installed into a fresh app', () => {
  const script = `
    const tracker = await m.createTracker({ now: () => Date.UTC(2024, 5, 10, 12) });
    tracker.track({ kind: 'click', url: '/p', x: 12, y: 34, vw: 1280, vh: 720 });
    const h = await tracker.query({ url: '/p', kind: 'click', vw: 1280, from: '2024-06-10', to: '2024-06-10' });
    await tracker.close();
    console.log(h.total, typeof http.createHandler, typeof fastify.monkeytrackerFastify, typeof mongo.MongoStorage);`;

  it('imports as ESM', () => {
    const esm = `import * as m from 'monkeytracker'; import * as http from 'monkeytracker/http';
      import * as fastify from 'monkeytracker/fastify'; import * as mongo from '@monkeytracker/storage-mongodb'; ${script}`;
    writeFileSync(join(app, 'esm.mjs'), esm);
    expect(run(process.execPath, ['esm.mjs'], app).trim()).toBe('1 function function function');
  });

  it('requires as CommonJS', () => {
    const cjs = `(async () => { const m = require('monkeytracker'); const http = require('monkeytracker/http');
      const fastify = require('monkeytracker/fastify'); const mongo = require('@monkeytracker/storage-mongodb'); ${script} })();`;
    writeFileSync(join(app, 'cjs.cjs'), cjs);
    expect(run(process.execPath, ['cjs.cjs'], app).trim()).toBe('1 function function function');
  });

  it('type-checks a TypeScript app against the published .d.ts (tsc --noEmit)', () => {
    writeFileSync(
      join(app, 'app.ts'),
      `import { createTracker, type Heatmap, type TrackerOptions } from 'monkeytracker';
import { createHandler, type HandlerOptions } from 'monkeytracker/http';
import { MongoStorage } from '@monkeytracker/storage-mongodb';
import { validateEvent } from '@monkeytracker/grid';
const options: TrackerOptions = { timeZone: 'Europe/Prague', cache: { flushIntervalMs: 1000 } };
const tracker = await createTracker(options);
const handlerOptions: HandlerOptions = { prefix: '/mt' };
createHandler(tracker, handlerOptions);
const heatmap: Heatmap = await tracker.query({ url: '/', kind: 'click', vw: 1280, from: '2024-06-01', to: '2024-06-30' });
const total: number = heatmap.total;
const storage = new MongoStorage({ uri: 'mongodb://127.0.0.1:1' });
const checked = validateEvent({ kind: 'click' });
if (!checked.ok) console.log(checked.reason, total, storage.capabilities.durable);
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          // A Node app has @types/node; borrow the repository's.
          typeRoots: [join(root, 'node_modules/@types')],
          types: ['node'],
        },
        files: ['app.ts'],
      }),
    );
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
  });

  it('serves the viewer app from the installed @monkeytracker/viewer (its built dist/app is in the tarball)', () => {
    const esm = `import { createViewer } from '@monkeytracker/viewer';
      const viewer = createViewer();
      const index = viewer.asset('index.html');
      const script = /src="([^"]+)"/.exec(String(index.body))[1];
      console.log(index.contentType, viewer.asset(script).body.length > 10000, typeof viewer.loginPage);`;
    writeFileSync(join(app, 'viewer.mjs'), esm);
    expect(run(process.execPath, ['viewer.mjs'], app).trim()).toBe('text/html; charset=utf-8 true object');
  });

  it('runs the monkeytracker bin of @monkeytracker/cli', () => {
    expect(run(join(app, 'node_modules/.bin/monkeytracker'), ['--help'], app)).toMatch(
      /^Usage: monkeytracker <command>/,
    );
  });
});
