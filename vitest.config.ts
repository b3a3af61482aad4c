import { defineConfig } from 'vitest/config';

// Tests resolve sibling packages to their sources through the `@monkeytracker/source`
// export condition, so `vitest` works without a build. What is published (dist + exports
// map) is checked by each package's `exports.test.ts`, which imports the built output.
const MONGODB_TESTS = ['packages/*/test/**/*.mongodb.test.ts'];

export default defineConfig({
  resolve: { conditions: ['@monkeytracker/source'] },
  ssr: { resolve: { conditions: ['@monkeytracker/source'] } },
  test: {
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
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
          exclude: ['**/node_modules/**', ...MONGODB_TESTS],
        },
      },
      {
        extends: true,
        test: {
          name: 'mongodb',
          include: MONGODB_TESTS,
          globalSetup: ['tools/ferretdb-test-server/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
