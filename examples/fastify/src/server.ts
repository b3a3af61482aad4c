// MonkeyTracker in a Fastify 5 app, as a Fastify plugin: POST /mt/collect, GET /mt/heatmap and
// GET /mt/health are real Fastify routes (the app's hooks and logger see them), with a body
// parser of their own that never touches the app's other routes.
// Run it: `pnpm --filter @monkeytracker/example-fastify start` (or `node --import tsx src/server.ts`).
import { fileURLToPath } from 'node:url';
import { createViewer } from '@monkeytracker/viewer';
import Fastify from 'fastify';
import { createTracker } from 'monkeytracker';
import { monkeytrackerFastify } from 'monkeytracker/fastify';

export async function createApp(options: { dataDir?: string; logger?: boolean } = {}) {
  const tracker = await createTracker({
    journal: { dir: options.dataDir ?? fileURLToPath(new URL('../data/journal', import.meta.url)) },
  });
  const app = Fastify({ logger: options.logger ?? false });
  // The dashboard at /mt/viewer/, behind the plugin's authorize (loopback only until you pass one).
  await app.register(monkeytrackerFastify, { tracker, prefix: '/mt', viewer: createViewer() });
  app.addHook('onClose', () => tracker.close()); // app.close() flushes the journal
  app.get('/', async () => ({ hello: 'world', heatmaps: '/mt/heatmap' }));
  return { app, tracker };
}

// Listen only when run directly (the test imports createApp).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { app } = await createApp({ logger: true });
  const address = await app.listen({ port: Number(process.env.PORT ?? 3000) });
  console.log(`fastify example on ${address}/ (heatmaps under /mt/, the viewer at /mt/viewer/)`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
