import { existsSync } from 'node:fs';

/** Debian's Chromium, which every browser test here drives through playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** How every browser test launches it: headless, no sandbox (root in CI), software raster, quiet. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--hide-scrollbars',
];

/** Whether Chromium is installed; under `CI=true` its absence must fail the browser tests, not skip them. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
