import { packageConfig } from '../../tsup.shared';

// The contract suite imports vitest, which is ESM-only, so its entry is ESM-only too
// (Node ≥ 20.19 can still require() it).
export default [
  packageConfig(),
  packageConfig({ entry: ['src/contract.ts'], format: ['esm'], clean: false }),
];
