import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Imports the BUILT package by name through its exports map, as a user would; `pnpm test` builds first.
const cwd = fileURLToPath(new URL('..', import.meta.url));
const ENTRIES: [string, string[]][] = [
  [
    'monkeytracker',
    [
      'createTracker',
      'replay',
      'MemoryStorage',
      'InvalidRangeError',
      'TrackerClosedError',
      'isMonkeyTrackerError',
    ],
  ],
  ['monkeytracker/metrics', ['createMetrics']],
  ['monkeytracker/http', ['createHandler', 'HTTP_ERRORS']],
  ['monkeytracker/fastify', ['monkeytrackerFastify']],
];

describe('published entry points', () => {
  for (const [entry, names] of ENTRIES) {
    it.each([
      ['module', `const m = await import('${entry}'); console.log(JSON.stringify(Object.keys(m)))`],
      ['commonjs', `console.log(JSON.stringify(Object.keys(require('${entry}'))))`],
    ])(`${entry} resolves as %s`, (type, code) => {
      const keys = JSON.parse(
        execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], { cwd, encoding: 'utf8' }),
      );
      for (const name of names) expect(keys).toContain(name);
    });
  }
});
