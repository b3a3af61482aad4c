#!/usr/bin/env node
/**
 * The `monkeytracker` command: `serve`, `replay`, `verify`. Built by tsup into `dist/bin.js`
 * (ESM, with this shebang), the package's `bin`.
 */
import { runCli } from './main';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`monkeytracker: error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
