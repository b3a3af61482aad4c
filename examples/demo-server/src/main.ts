// `pnpm demo [-- --port 3000 --host 127.0.0.1 --data <dir> --simulate [--views 1500]]`
// (or, in this folder, `node --import tsx src/main.ts …`).
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMonkeyTrackerError } from 'monkeytracker';
import { startDemoServer } from './demo-server';
import { simulateTraffic } from './simulate';

const USAGE = `usage: pnpm demo [-- options]
  --port <n>     port to listen on (default 3000; 0 picks a free one)
  --host <addr>  interface to listen on (default 127.0.0.1)
  --data <dir>   where the journal lives (default examples/demo-server/data)
  --simulate     send synthetic traffic (30 days of page views) so the viewer has something to show
  --views <n>    page views to simulate (default 1500)
  --help         this text`;

function fail(message: string): never {
  console.error(`demo: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string', default: '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string', default: fileURLToPath(new URL('../data', import.meta.url)) },
      simulate: { type: 'boolean', default: false },
      views: { type: 'string', default: '1500' },
      help: { type: 'boolean', default: false },
    },
    // `pnpm demo -- --simulate` passes a literal `--` on some pnpm versions.
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
  }).values;
}
try {
  args = parse();
} catch (error) {
  fail((error as Error).message);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0–65535, got ${args.port}`);
const views = Number(args.views);
if (!Number.isInteger(views) || views < 1) fail(`--views must be a positive integer, got ${args.views}`);
const dataDir = resolve(args.data);

let demo: Awaited<ReturnType<typeof startDemoServer>>;
try {
  demo = await startDemoServer({ port, host: args.host, dataDir });
} catch (error) {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') fail(`port ${port} is in use; pick another with --port (0 = any free port)`);
  // MonkeyTracker's errors say what went wrong and what to do: one line with the code, no stack.
  if (isMonkeyTrackerError(e)) {
    console.error(`demo: ${e.detail} [${e.code}]`);
    process.exit(1);
  }
  throw error;
}

const replayed = demo.tracker.stats().recoveredOnStart;
console.log(
  [
    'MonkeyTracker demo',
    `  tracked page   ${demo.pageUrl}`,
    `  heatmap viewer ${demo.viewerUrl}`,
    `  journal        ${join(dataDir, 'journal')}${replayed > 0 ? ` (${replayed.toLocaleString('en-US')} events recovered)` : ''}`,
    'Click around the page, then open the viewer. Ctrl+C stops the server.',
  ].join('\n'),
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    console.error(`demo: ${signal} again, exiting without waiting`);
    process.exit(1);
  }
  stopping = true;
  console.log(`\ndemo: ${signal}, closing (flushing the journal)…`);
  try {
    await demo.close();
    const stats = demo.tracker.stats();
    console.log(
      `demo: closed; ${stats.accepted.toLocaleString('en-US')} events this run, all in the journal`,
    );
    process.exit(0);
  } catch (error) {
    console.error(`demo: close failed: ${(error as Error).message}`);
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

if (args.simulate) {
  console.log(`demo: simulating ${views.toLocaleString('en-US')} page views over the last 30 days…`);
  try {
    const result = await simulateTraffic({ baseUrl: demo.url, views });
    console.log(
      `demo: simulated ${result.clicks.toLocaleString('en-US')} clicks and ${result.scrolls.toLocaleString('en-US')} scroll depths ` +
        `in ${result.requests} POSTs (${result.ms} ms); open ${demo.viewerUrl}`,
    );
  } catch (error) {
    console.error(`demo: simulation failed: ${(error as Error).message}`);
  }
}
