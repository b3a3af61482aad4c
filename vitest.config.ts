import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests resolve sibling packages to their sources through the `@monkeytracker/source`
// export condition, so `vitest` works without a build. What is published (dist + exports
// map) is checked by each package's `exports.test.ts`, which imports the built output.
//
// Projects: `unit` (everything that needs no database), `mongodb` (the MongoDB adapter and the
// tracker on it, against MONGODB_URI or the repository's FerretDB test server), and `long`
// (`pnpm test:long`: the scenario files again at full size, MT_LONG=1, and the tarball install
// test). A `*.scenario.test.ts`
// runs short in `pnpm test` and long in `pnpm test:long`.
const root = fileURLToPath(new URL('.', import.meta.url));
const MONGODB_TESTS = ['packages/*/test/**/*.mongodb.test.ts'];
const SCENARIOS = ['packages/*/test/**/*.scenario.test.ts', 'packages/*/test/**/*.scenario.mongodb.test.ts'];
/** Slow integration suites that run only in `pnpm test:long` (CI runs both): packing and installing every tarball. */
const LONG_ONLY = ['test/tarball-install.test.ts'];
const LONG = process.env.MT_LONG === '1';

export default defineConfig({
  root,
  resolve: { conditions: ['@monkeytracker/source'] },
  ssr: { resolve: { conditions: ['@monkeytracker/source'] } },
  test: {
    // No test may take a minute; long scenarios live in `pnpm test:long`.
    testTimeout: LONG ? 600_000 : 60_000,
    hookTimeout: LONG ? 300_000 : 60_000,
    projects: LONG
      ? [
          {
            extends: true,
            test: {
              name: 'long',
              include: [...SCENARIOS, ...LONG_ONLY],
              globalSetup: ['tools/ferretdb-test-server/global-setup.ts'],
            },
          },
        ]
      : [
          {
            extends: true,
            test: {
              name: 'unit',
              include: [
                'packages/*/test/**/*.test.ts',
                'examples/*/test/**/*.test.ts',
                'benchmarks/test/**/*.test.ts',
                'test/**/*.test.ts',
              ],
              exclude: ['**/node_modules/**', ...MONGODB_TESTS, ...LONG_ONLY],
            },
          },
          {
            extends: true,
            test: {
              name: 'mongodb',
              include: MONGODB_TESTS,
              globalSetup: ['tools/ferretdb-test-server/global-setup.ts'],
            },
          },
        ],
  },
});
