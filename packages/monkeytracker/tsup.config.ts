import { packageConfig } from '../../tsup.shared';

export default [
  // The library; its clean must not delete the CLI, which the second build writes.
  packageConfig({ clean: ['!cli.js', '!cli.js.map'] }),
  // The `monkeytracker` bin: ESM only, keeps the shebang of src/cli.ts, no types.
  packageConfig({ entry: { cli: 'src/cli.ts' }, format: ['esm'], dts: false, clean: false }),
];
