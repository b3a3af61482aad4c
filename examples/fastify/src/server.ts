// MonkeyTracker in a Fastify 5 app: the handler runs as an onRequest hook, so it reads the
// collect body itself (before Fastify's parsers) and every other request goes on to your routes.
// Run it: `pnpm --filter @monkeytracker/example-fastify start` (or `node --import tsx src/server.ts`).
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { createTracker, toFastifyHook } from 'monkeytracker';

export async function createApp(options: { dataDir?: string } = {}) {
  const tracker = await createTracker({
    journal: { dir: options.dataDir ?? fileURLToPath(new URL('../data/journal', import.meta.url)) },
  });
  const app = Fastify();
  // POST /mt/collect, GET /mt/heatmap, GET /mt/health.
  app.addHook('onRequest', toFastifyHook(tracker.handler()));
  app.addHook('onClose', () => tracker.close()); // app.close() flushes the journal
  app.get('/', async () => ({ hello: 'world', heatmaps: '/mt/heatmap' }));
  return { app, tracker };
}

// Listen only when run directly (the test imports createApp).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { app } = await createApp();
  const address = await app.listen({ port: Number(process.env.PORT ?? 3000) });
  console.log(`fastify example on ${address}/ (heatmaps under /mt/)`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
