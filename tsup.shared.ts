import { defineConfig, type Options } from 'tsup';

/**
 * The one tsup setup every package builds with: ESM + CJS + `.d.ts` from `src/index.ts`.
 * A package passes overrides only where it differs (extra entries, an IIFE build).
 */
export function packageConfig(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    treeshake: true,
    splitting: false,
    ...overrides,
  });
}
