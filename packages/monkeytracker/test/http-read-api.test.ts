/**
 * The reads a viewer makes, over a real server (node:http and the Fastify plugin, which must
 * answer the same): `/pages` (the busiest pages with counts per device bucket, exact while
 * merges are in flight), `/config`, `/heatmap` with a second range, and the viewer mount behind
 * `authorize` — its sign-in page, the token cookie, redirects and paths outside the app.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { createTracker, MemoryStorage, type Tracker, type TrackerOptions } from 'monkeytracker';
import { monkeytrackerFastify } from 'monkeytracker/fastify';
import { bearerToken, createHandler, type HandlerOptions, type ViewerApp } from 'monkeytracker/http';
import { afterEach, describe, expect, it } from 'vitest';

const NOW = Date.UTC(2024, 5, 10, 12);
const DAY = 86_400_000;
const TOKEN = 'read-token-0123456789abcdef';
const ev = (url: string, vw: number, t: number, x = 5) => ({ kind: 'click', url, x, y: 7, vw, vh: 700, t });

/** A small viewer app: what `createViewer()` of @monkeytracker/viewer returns, by shape. */
const viewer: ViewerApp = {
  asset: (path) =>
    path === 'index.html'
      ? { body: '<!doctype html><title>viewer</title>', contentType: 'text/html; charset=utf-8' }
      : path === 'app.abc123.js'
        ? {
            body: new TextEncoder().encode('console.log(1)'),
            contentType: 'text/javascript',
            immutable: true,
          }
        : undefined,
  loginPage: { body: '<!doctype html><form>token</form>', contentType: 'text/html; charset=utf-8' },
};

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

type Mount = (tracker: Tracker, options: HandlerOptions) => Promise<string>;
const mounts: [string, Mount][] = [
  [
    'node:http',
    async (tracker, options) => {
      const handler = createHandler(tracker, options);
      const server = createServer((req, res) => handler(req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanup.push(() => {
        server.closeAllConnections();
        server.close();
      });
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
  ],
  [
    'fastify',
    async (tracker, options) => {
      const app = Fastify();
      await app.register(monkeytrackerFastify, { tracker, ...options });
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      cleanup.push(() => app.close());
      return address;
    },
  ],
];

async function start(mount: Mount, options: HandlerOptions = {}, trackerOptions: TrackerOptions = {}) {
  const tracker = await createTracker({
    now: () => NOW,
    cache: { flushIntervalMs: 60_000 },
    ...trackerOptions,
  });
  cleanup.push(() => tracker.close().catch(() => {}));
  return { tracker, base: await mount(tracker, { viewer, ...options }) };
}

const json = async (res: Response) => ({
  status: res.status,
  body: (await res.json()) as Record<string, unknown>,
});

describe.each(mounts)('%s', (_name, mount) => {
  it('/pages lists the busiest pages with counts per bucket, stored plus live, never twice', async () => {
    // A storage whose merges hang while the test looks: deltas in flight must count once.
    const storage = new MemoryStorage();
    const merge = storage.merge.bind(storage);
    let release: (() => void) | undefined;
    storage.merge = async (entries) => {
      const done = await merge(entries);
      if (release === undefined) await new Promise<void>((resolve) => (release = resolve));
      return done;
    };
    const { tracker, base } = await start(mount, {}, { storage });
    cleanup.push(() => release?.());
    tracker.track([ev('/a', 1280, NOW), ev('/a', 390, NOW), ev('/b', 1280, NOW - 40 * DAY)]);
    const flushing = tracker.flush(); // applied in storage, not yet settled in the pipeline
    await new Promise((resolve) => setTimeout(resolve, 20));
    tracker.track([ev('/a', 1280, NOW), ev('/c', 800, NOW - DAY)]); // live only
    const range = 'from=2024-04-01&to=2024-06-10';
    const res = await json(await fetch(`${base}/mt/pages?kind=click&${range}`));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      site: 'default',
      kind: 'click',
      from: '2024-04-01',
      to: '2024-06-10',
      total: 5,
      pages: [
        { url: '/a', total: 3, buckets: { 0: 1, 4: 2 } },
        { url: '/b', total: 1, buckets: { 4: 1 } },
        { url: '/c', total: 1, buckets: { 2: 1 } },
      ],
    });
    release?.();
    await flushing;
    await tracker.flush();
    expect((await json(await fetch(`${base}/mt/pages?kind=click&${range}&top=1`))).body.pages).toEqual([
      { url: '/a', total: 3, buckets: { 0: 1, 4: 2 } },
    ]);
    // Only the range counts: /b is 40 days back.
    const june = await json(await fetch(`${base}/mt/pages?from=2024-06-01&to=2024-06-10`));
    expect((june.body.pages as { url: string }[]).map((p) => p.url)).toEqual(['/a', '/c']);
    const bad = await json(await fetch(`${base}/mt/pages?kind=tap&${range}`));
    expect(bad).toMatchObject({ status: 400, body: { code: 'INVALID_QUERY', field: 'kind' } });
    const noRange = await json(await fetch(`${base}/mt/pages?kind=click`));
    expect(noRange).toMatchObject({ status: 400, body: { code: 'INVALID_RANGE', field: 'from' } });
    const tooMany = await json(await fetch(`${base}/mt/pages?${range}&top=1001`));
    expect(tooMany).toMatchObject({ status: 400, body: { field: 'top' } });
  });

  it('/config tells the geometry, buckets, zone, today and sites', async () => {
    const { base } = await start(mount, {}, { timeZone: 'Pacific/Kiritimati' });
    const res = await json(await fetch(`${base}/mt/config`));
    expect(res).toEqual({
      status: 200,
      body: {
        cellSize: 10,
        breakpoints: [0, 576, 768, 992, 1200, 1400],
        buckets: [
          { bucket: 0, minWidth: 0, maxWidth: 575 },
          { bucket: 1, minWidth: 576, maxWidth: 767 },
          { bucket: 2, minWidth: 768, maxWidth: 991 },
          { bucket: 3, minWidth: 992, maxWidth: 1199 },
          { bucket: 4, minWidth: 1200, maxWidth: 1399 },
          { bucket: 5, minWidth: 1400, maxWidth: null },
        ],
        timeZone: 'Pacific/Kiritimati',
        today: '2024-06-11', // UTC+14: already the next day
        maxQueryDays: 400,
        sites: [{ id: 'default', hosts: [] }],
        kinds: ['click', 'scroll', 'move', 'rage', 'dead'],
      },
    });
  });

  it('/heatmap with compareFrom/compareTo answers both ranges', async () => {
    const { tracker, base } = await start(mount);
    tracker.track([
      ev('/p', 1280, NOW, 5),
      ev('/p', 1280, NOW - 7 * DAY, 5),
      ev('/p', 1280, NOW - 7 * DAY, 25),
    ]);
    const q = 'url=/p&kind=click&vw=1280&from=2024-06-10&to=2024-06-10';
    const res = await json(
      await fetch(`${base}/mt/heatmap?${q}&compareFrom=2024-06-03&compareTo=2024-06-03`),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 1, compare: { total: 2, cellCount: 2 } });
    const half = await json(await fetch(`${base}/mt/heatmap?${q}&compareFrom=2024-06-03`));
    expect(half).toMatchObject({ status: 400, body: { code: 'INVALID_RANGE', field: 'compareTo' } });
  });

  it('serves the viewer behind authorize: sign-in page without data, token header or cookie, assets, 404s', async () => {
    const { base } = await start(mount, { authorize: bearerToken(TOKEN) });
    const redirect = await fetch(`${base}/mt/viewer?url=/p`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/mt/viewer/?url=/p');

    // A browser without credentials gets the sign-in form with 401; a script gets JSON.
    const signIn = await fetch(`${base}/mt/viewer/`, { headers: { accept: 'text/html' } });
    expect(signIn.status).toBe(401);
    expect(await signIn.text()).toBe('<!doctype html><form>token</form>');
    expect(signIn.headers.get('cache-control')).toBe('no-store');
    const script = await json(await fetch(`${base}/mt/viewer/`));
    expect(script).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
    const wrong = await fetch(`${base}/mt/viewer/`, {
      headers: { accept: 'text/html', cookie: 'monkeytracker_token=wrong-token-0123456789' },
    });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain('<form>');
    for (const path of ['/mt/pages?from=2024-06-10&to=2024-06-10', '/mt/config']) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(401);
    }

    const cookie = { cookie: `other=1; monkeytracker_token=${encodeURIComponent(TOKEN)}` };
    const index = await fetch(`${base}/mt/viewer/`, { headers: cookie });
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await index.text()).toContain('<title>viewer</title>');
    const asset = await fetch(`${base}/mt/viewer/app.abc123.js`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(await asset.text()).toBe('console.log(1)');
    const config = await fetch(`${base}/mt/config`, { headers: cookie });
    expect(config.status).toBe(200);
    for (const path of ['missing.js', '..%2Fconfig', '.env', 'a%5Cb']) {
      const res = await fetch(`${base}/mt/viewer/${path}`, { headers: cookie });
      expect(res.status, path).toBe(404);
    }
    const post = await fetch(`${base}/mt/viewer/`, { method: 'POST', headers: cookie });
    expect([404, 405]).toContain(post.status);
  });

  it('the viewer is off without the option and with query: false', async () => {
    const plain = await start(mount, { viewer: undefined });
    expect((await fetch(`${plain.base}/mt/viewer/`)).status).toBe(404);
    const ingest = await start(mount, { query: false });
    for (const path of ['/mt/viewer/', '/mt/pages?from=2024-06-10&to=2024-06-10', '/mt/config']) {
      expect((await fetch(`${ingest.base}${path}`)).status, path).toBe(404);
    }
  });
});
