// `pnpm demo`: the demo server arrives with the facade (`monkeytracker`) and the browser package.
// Until then this says so plainly instead of pretending.
console.log(
  [
    'MonkeyTracker demo: not available yet.',
    'The demo (a tracked page, a heatmap viewer and simulated traffic) arrives with the facade package',
    '(`monkeytracker`: createTracker + HTTP handler) and `@monkeytracker/browser`, which are not built yet.',
    'What exists today: @monkeytracker/grid, @monkeytracker/journal, @monkeytracker/storage,',
    '@monkeytracker/storage-mongodb — see README.md, and run `pnpm test` / `pnpm bench`.',
  ].join('\n'),
);
