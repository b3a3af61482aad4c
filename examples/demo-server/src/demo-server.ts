// The demo server: a plain node:http server that embeds a MonkeyTracker tracker (the embedded
// default: memory storage + a journal, replayed on start) and serves
//
//   /                the tracked demo page (a product landing page with the tracking snippet)
//   /signup          a second, short tracked page
//   /mt/*            the tracker's HTTP handler: POST /mt/collect, GET /mt/heatmap, /mt/pages,
//                    /mt/config, /mt/health, and the viewer at /mt/viewer/ (@monkeytracker/viewer)
//   /viewer          a redirect to /mt/viewer/ (the address of the demo's earlier viewer)
//   /static/*        the page's CSS and @monkeytracker/browser's tracking snippet
//   POST /api/simulate  synthetic traffic through /mt/collect
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createViewer } from '@monkeytracker/viewer';
import { createTracker, type Tracker } from 'monkeytracker';
import { simulateTraffic } from './simulate';

export interface DemoServerOptions {
  /** Port to listen on; 0 picks a free one. Default 3000. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Where the journal lives (`${dataDir}/journal`). */
  dataDir: string;
  /** Print nothing about background errors (tests). Default: warn on stderr. */
  quiet?: boolean;
}

export interface DemoServer {
  /** The server's base url, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** The tracked page and the viewer (`/mt/viewer/`). */
  pageUrl: string;
  viewerUrl: string;
  tracker: Tracker;
  /** Stops accepting requests, ends open connections, then closes the tracker (flushing the journal). Idempotent. */
  close(): Promise<void>;
}

const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url));
const require = createRequire(import.meta.url);

/** Files served under /static/, by name: [path, content type]. Nothing else is served from disk. */
const STATIC: Record<string, [string, string]> = {
  'site.css': [join(PUBLIC, 'site.css'), 'text/css; charset=utf-8'],
  // The tracking snippet, as built by @monkeytracker/browser.
  'tracker.js': [
    require.resolve('@monkeytracker/browser/tracker.global.js'),
    'text/javascript; charset=utf-8',
  ],
};

const PAGES: Record<string, string> = {
  '/': join(PUBLIC, 'index.html'),
  '/signup': join(PUBLIC, 'signup.html'),
};

/** The tracking snippet as a site would paste it into its pages. */
const SNIPPET = '<script src="/static/tracker.js" data-endpoint="/mt/collect" defer></script>';

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

/**
 * Starts the demo server. Resolves once it listens; `close()` shuts it down without losing
 * events (the tracker is closed, which flushes the journal).
 *
 * @example
 * ```ts
 * const demo = await startDemoServer({ port: 0, dataDir: './data' });
 * console.log(demo.viewerUrl);
 * await demo.close();
 * ```
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const tracker = await createTracker({
    journal: { dir: join(options.dataDir, 'journal') },
    onError: options.quiet ? () => {} : (error) => console.warn(`[demo] ${error.message}`),
  });
  // trustClientTime: the simulator spreads its events over the last 30 days and the handler
  // keeps their `t`. A public collector would leave it off (the default) so that nobody can
  // file events under other days; browsers send Date.now() anyway.
  // The viewer is served by the handler at /mt/viewer/, behind its authorize (the default here:
  // loopback clients only, which is what a demo on 127.0.0.1 wants).
  const handler = tracker.handler({
    trustClientTime: true,
    viewer: createViewer({ title: 'MonkeyTracker demo' }),
  });
  let base = '';

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    const path = url.pathname;
    if (path === '/mt' || path.startsWith('/mt/')) {
      handler(req, res);
      return;
    }
    if (path === '/viewer') {
      res.writeHead(308, { location: `/mt/viewer/${url.search}` }).end();
      return;
    }
    if (req.method === 'POST' && path === '/api/simulate') {
      simulate(url, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    const file = PAGES[path];
    if (file) {
      // ?preview: the page without the snippet (the layout test). The viewer needs no such thing:
      // the snippet does not track in the viewer's frame.
      const html = readFileSync(file, 'utf8').replace(
        '<!--TRACKER-->',
        url.searchParams.has('preview') ? '' : SNIPPET,
      );
      send(res, 200, 'text/html; charset=utf-8', html);
      return;
    }
    const asset = path.startsWith('/static/') ? STATIC[path.slice('/static/'.length)] : undefined;
    if (asset) {
      send(res, 200, asset[1], readFileSync(asset[0]));
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  });

  function simulate(url: URL, res: ServerResponse): void {
    const views = Math.min(5000, Math.max(1, Number(url.searchParams.get('views')) || 1000));
    const pageUrl = url.searchParams.get('page') || `${base}/`;
    simulateTraffic({ baseUrl: base, pageUrl, views }).then(
      (result) => send(res, 200, 'application/json', JSON.stringify(result)),
      (error: Error) => send(res, 500, 'application/json', JSON.stringify({ error: error.message })),
    );
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await tracker.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  base = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url: base,
    pageUrl: `${base}/`,
    viewerUrl: `${base}/mt/viewer/`,
    tracker,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // Give requests in flight (a last sendBeacon) a moment, then cut what is left.
          setTimeout(() => server.closeAllConnections(), 1000).unref();
        });
        await tracker.close();
      })();
      return closing;
    },
  };
}
