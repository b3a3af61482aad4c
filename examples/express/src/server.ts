// MonkeyTracker in an Express 5 app: one tracker, its handler mounted before the app's routes.
// Run it: `pnpm --filter @monkeytracker/example-express start` (or `node --import tsx src/server.ts`).
import { fileURLToPath } from 'node:url';
import { createViewer } from '@monkeytracker/viewer';
import express, { type Express } from 'express';
import { createTracker, type Tracker } from 'monkeytracker';

export async function createApp(
  options: { dataDir?: string } = {},
): Promise<{ app: Express; tracker: Tracker }> {
  const tracker = await createTracker({
    journal: { dir: options.dataDir ?? fileURLToPath(new URL('../data/journal', import.meta.url)) },
  });
  const app = express();
  // POST /mt/collect, GET /mt/heatmap, GET /mt/health, the dashboard at /mt/viewer/ (reads answer
  // loopback clients only until you pass authorize, e.g. bearerToken(token)); everything else goes
  // on to your routes. Mount it before any body parser (or after one: it takes the parsed body).
  app.use(tracker.handler({ viewer: createViewer() }));
  app.get('/', (_req, res) => {
    res.type('html').send('<h1>Hello</h1><p>POST events to /mt/collect, read /mt/heatmap.</p>');
  });
  return { app, tracker };
}

// Listen only when run directly (the test imports createApp).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { app, tracker } = await createApp();
  const server = app.listen(Number(process.env.PORT ?? 3000), () => {
    console.log(
      `express example on http://127.0.0.1:${process.env.PORT ?? 3000}/ (heatmaps under /mt/, the viewer at /mt/viewer/)`,
    );
  });
  const stop = () => server.close(() => void tracker.close().then(() => process.exit(0)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
