import { packageConfig } from '../../tsup.shared';

// The `monkeytracker` bin only: ESM, keeps the shebang of src/bin.ts, no types (nothing imports it).
export default packageConfig({ entry: { bin: 'src/bin.ts' }, format: ['esm'], dts: false });
