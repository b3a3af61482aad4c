import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM, syntheticHeatmap } from '@monkeytracker/test-kit';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonkeyTrackerGlobal } from '../src/global';
import type { Heatmap } from '../src/heatmap';
import type { TrackedEvent } from '../src/start-tracking';
import { ensureBuilt } from './ensure-built';

// The tracker and the renderer in a real Chromium, against a tiny collector that does what the
// server's ingest endpoint does: POST a JSON array (or { events }) as application/json or
// text/plain, answer 202.

const haveChromium = HAVE_CHROMIUM;
const mustRun = process.env.CI === 'true';
if (!haveChromium && !mustRun) {
  console.warn(
    `\n!!! ${CHROMIUM} is missing: SKIPPING the @monkeytracker/browser e2e tests (tracker + renderer). !!!\n` +
      '!!! Install it (apt-get install chromium) or set CI=true to make its absence a failure.          !!!\n',
  );
}

const VIEWPORT = { width: 1000, height: 700 };
const PAGE_HEIGHT = 5000;

interface Received extends TrackedEvent {
  contentType: string;
}

const received: Received[] = [];
let server: Server;
let base = '';
let browser: Browser;
let distDir = '';

function tallPage(query: URLSearchParams): string {
  const site = query.get('site') ?? 'test';
  const endpoint = query.get('endpoint') ?? '/mt/collect';
  const keep = query.get('keep');
  const tag =
    query.get('manual') === '1'
      ? '<script src="/tracker.js"></script>'
      : `<script src="/tracker.js" data-endpoint="${endpoint}" data-site="${site}" data-keep-query="${keep ?? ''}" defer></script>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>tall</title>
<style>html,body{margin:0;padding:0}#tall{height:${PAGE_HEIGHT}px;background:linear-gradient(#fff,#ddd)}</style>
<script>history.scrollRestoration = 'manual';</script></head>
<body><div id="tall"></div>${tag}</body></html>`;
}

const renderPage = `<!doctype html><html><head><meta charset="utf-8"><title>render</title>
<style>html,body{margin:0;padding:0}canvas,#peer{display:block}</style></head>
<body><script src="/heatmap.global.js"></script></body></html>`;

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'POST' && url.pathname === '/mt/broken') {
    req.socket.destroy();
    return;
  }
  if (req.method === 'POST' && url.pathname === '/mt/collect') {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const contentType = req.headers['content-type'] ?? '';
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as
          | TrackedEvent[]
          | { events: TrackedEvent[] };
        for (const event of Array.isArray(body) ? body : body.events)
          received.push({ ...event, contentType });
        res.writeHead(202, { 'access-control-allow-origin': '*' }).end();
      } catch {
        res.writeHead(400).end();
      }
    });
    return;
  }
  const send = (type: string, body: string | Buffer) =>
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  const scripts: Record<string, string> = {
    '/tracker.js': join(distDir, 'tracker.global.js'),
    '/heatmap.global.js': join(distDir, 'heatmap.global.js'),
  };
  const script = scripts[url.pathname];
  if (script) send('text/javascript', readFileSync(script));
  else if (url.pathname === '/blank') send('text/html', '<!doctype html><title>blank</title>');
  else if (url.pathname === '/render') send('text/html', renderPage);
  else if (url.pathname.startsWith('/page') || url.pathname.startsWith('/spa'))
    send('text/html', tallPage(url.searchParams));
  else res.writeHead(404).end();
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function eventsOf(site: string, kind?: TrackedEvent['kind']): Received[] {
  return received.filter((e) => e.site === site && (kind === undefined || e.kind === kind));
}

/**
 * Scrolls the page to `y` and waits for the scroll event (as a user's scrolling would fire it),
 * returns the scroll offset the page settled on.
 */
async function scrollTo(page: Page, y: number): Promise<number> {
  return page.evaluate(
    (top) =>
      new Promise<number>((resolve) => {
        const done = () => resolve(window.scrollY);
        if (Math.round(window.scrollY) === top) return done();
        window.addEventListener('scroll', () => setTimeout(done, 0), { once: true });
        window.scrollTo(0, top);
      }),
    y,
  );
}

async function newPage(
  init?: () => void,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors };
}

type PageWindow = Window & { MonkeyTracker: Required<MonkeyTrackerGlobal> };

describe.skipIf(!haveChromium && !mustRun)('@monkeytracker/browser in Chromium', () => {
  beforeAll(async () => {
    distDir = ensureBuilt();
    server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('records 20 clicks at their page coordinates and one scroll event with the deepest point', async () => {
    const { context, page, errors } = await newPage();
    // A query with personal data and a fragment: only the kept parameter leaves the browser.
    await page.goto(`${base}/page?site=clicks&email=ann%40example.com&keep=site#section`);
    const expected: { x: number; y: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const x = 40 + i * 45;
      const y = 150 + i * 140;
      const top = await scrollTo(page, Math.max(0, y - 350));
      await page.mouse.click(x, y - top); // client coordinates; the event carries page ones
      expected.push({ x, y });
    }
    const deepest = (await scrollTo(page, 3300)) + VIEWPORT.height;
    await scrollTo(page, 500); // going back up does not lower the depth
    await page.goto(`${base}/blank`); // pagehide: the view ends, the rest goes by sendBeacon

    const pageUrl = `${base}/page?site=clicks`; // keep=site: email and keep itself dropped, no fragment
    const scrolls = await waitFor('the scroll event', () => {
      const s = eventsOf('clicks', 'scroll');
      return s.length > 0 ? s : undefined;
    });
    const clicks = await waitFor('20 clicks', () => {
      const c = eventsOf('clicks', 'click');
      return c.length >= 20 ? c : undefined;
    });
    expect(deepest).toBe(4000);
    expect(scrolls).toHaveLength(1);
    expect(scrolls[0]).toMatchObject({ url: pageUrl, x: 0, y: deepest, vw: 1000, vh: 700 });
    expect(clicks).toHaveLength(20);
    clicks.sort((a, b) => a.t - b.t || a.y - b.y);
    clicks.forEach((click, i) => {
      expect(click).toMatchObject({ kind: 'click', url: pageUrl, vw: 1000, vh: 700, site: 'clicks' });
      expect(Math.abs(click.x - expected[i]!.x), `click ${i} x`).toBeLessThanOrEqual(1);
      expect(Math.abs(click.y - expected[i]!.y), `click ${i} y`).toBeLessThanOrEqual(1);
      expect(Math.abs(click.t - Date.now())).toBeLessThan(60_000);
    });
    for (const e of [...clicks, ...scrolls]) expect(e.contentType).toMatch(/^text\/plain/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('treats pushState / replaceState / popstate to another path or query as new page views', async () => {
    const { context, page, errors } = await newPage();
    await page.goto(`${base}/spa?site=spa&keep=site,tab`);
    await scrollTo(page, 1000); // view 1: /spa, deepest 1700
    await page.evaluate(() => history.pushState({}, '', '/spa/next'));
    await scrollTo(page, 2000); // view 2: /spa/next, deepest 2700
    await page.evaluate(() => {
      history.replaceState({ tab: 1 }, ''); // same path and query: same view
      history.pushState({}, '', '#section'); // only the fragment: same view
      history.replaceState({}, '', '/spa/next?tab=2'); // new query: view 3
    });
    await scrollTo(page, 2500); // view 3: deepest 3200
    await page.evaluate(
      () =>
        new Promise((resolve) => {
          window.addEventListener('popstate', resolve, { once: true });
          history.back(); // back to /spa/next: view 4 starts at 2500 + 700
        }),
    );
    await scrollTo(page, 0);
    await page.goto(`${base}/blank`);

    const scrolls = await waitFor('4 scroll events', () => {
      const s = eventsOf('spa', 'scroll');
      return s.length >= 4 ? s : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more should come
    expect(eventsOf('spa', 'scroll').map((e) => [e.url.slice(base.length), e.y])).toEqual([
      ['/spa?site=spa', 1700],
      ['/spa/next', 2700],
      ['/spa/next?tab=2', 3200],
      ['/spa/next', 3200],
    ]);
    expect(scrolls.every((e) => e.x === 0 && e.vh === 700)).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('sends nothing under Do Not Track or Global Privacy Control, unless told to ignore them', async () => {
    const dnt = await newPage(() => Object.defineProperty(navigator, 'doNotTrack', { get: () => '1' }));
    const gpc = await newPage(() =>
      Object.defineProperty(navigator, 'globalPrivacyControl', { get: () => true }),
    );
    for (const [{ page }, site] of [
      [dnt, 'dnt'],
      [gpc, 'gpc'],
    ] as const) {
      await page.goto(`${base}/page?site=${site}`);
      expect(await page.evaluate(() => typeof (window as unknown as PageWindow).MonkeyTracker)).toBe(
        'object',
      );
      await page.mouse.click(100, 100);
      await scrollTo(page, 800);
      await page.goto(`${base}/blank`);
    }
    // The same DNT browser, with respectDoNotTrack: false, does send (stop() flushes).
    await dnt.page.goto(`${base}/page?manual=1`);
    await dnt.page.evaluate(() => {
      const t = (window as unknown as PageWindow).MonkeyTracker.startTracking({
        endpoint: '/mt/collect',
        site: 'dnt-ignored',
        respectDoNotTrack: false,
      });
      document.body.click();
      t.stop();
    });
    await waitFor('the events of the tracker that ignores DNT', () =>
      eventsOf('dnt-ignored').length >= 2 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(eventsOf('dnt')).toEqual([]);
    expect(eventsOf('gpc')).toEqual([]);
    expect(dnt.errors.concat(gpc.errors)).toEqual([]);
    await dnt.context.close();
    await gpc.context.close();
  });

  it('never throws into the page: failing or throwing fetch and sendBeacon, stop() restores history', async () => {
    const { context, page, errors } = await newPage(() => {
      const w = window as unknown as { caught: string[] };
      w.caught = [];
      window.addEventListener('error', (e) => w.caught.push(String(e.message)));
      window.addEventListener('unhandledrejection', (e) => w.caught.push(String(e.reason)));
    });
    await page.goto(`${base}/page?manual=1`);
    const result = await page.evaluate(async () => {
      const mt = (window as unknown as PageWindow).MonkeyTracker;
      const nativePush = history.pushState;
      let hostClicks = 0;
      document.addEventListener('click', () => hostClicks++);
      const options = { site: 'broken', maxBatch: 2, flushMs: 50, moves: 10 };
      // A server that resets the connection, and a port nobody listens on.
      const reset = mt.startTracking({ ...options, endpoint: '/mt/broken' });
      const refused = mt.startTracking({ ...options, endpoint: 'http://127.0.0.1:9/collect' });
      for (let i = 0; i < 5; i++) document.body.click();
      history.pushState({}, '', '/page/other');
      // fetch and sendBeacon that throw synchronously.
      const realFetch = window.fetch;
      const realBeacon = navigator.sendBeacon;
      window.fetch = () => {
        throw new Error('fetch boom');
      };
      navigator.sendBeacon = () => {
        throw new Error('beacon boom');
      };
      const throwing = mt.startTracking({ ...options, endpoint: '/mt/collect' });
      for (let i = 0; i < 5; i++) document.body.click();
      document.dispatchEvent(new MouseEvent('mousemove', { clientX: 5, clientY: 5 }));
      document.dispatchEvent(new Event('visibilitychange'));
      window.dispatchEvent(new PageTransitionEvent('pagehide'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Stopped last-started first, each tracker puts back the history methods it found.
      for (const t of [throwing, refused, reset]) {
        t.stop();
        t.stop();
      }
      window.fetch = realFetch;
      navigator.sendBeacon = realBeacon;
      // Bad options never throw either.
      mt.startTracking(null as never).stop();
      return { hostClicks, restored: history.pushState === nativePush };
    });
    await page.waitForTimeout(300);
    expect(result).toEqual({ hostClicks: 10, restored: true });
    expect(await page.evaluate(() => (window as unknown as { caught: string[] }).caught)).toEqual([]);
    expect(errors).toEqual([]);
    expect(eventsOf('broken')).toEqual([]);
    await context.close();
  });

  it('delivers to a cross-origin endpoint (text/plain, no preflight) and records throttled moves', async () => {
    const { context, page } = await newPage();
    const crossOrigin = base.replace('127.0.0.1', 'localhost');
    await page.goto(`${crossOrigin}/page?manual=1`);
    await page.evaluate(
      (endpoint) =>
        (window as unknown as PageWindow).MonkeyTracker.startTracking({
          endpoint,
          site: 'cross',
          moves: true,
          flushMs: 100,
        }),
      `${base}/mt/collect`,
    );
    for (let i = 0; i < 20; i++) await page.mouse.move(10 + i * 10, 10 + i * 10, { steps: 4 });
    await page.mouse.click(300, 200);
    await waitFor('a click sent cross-origin', () => (eventsOf('cross', 'click').length ? true : undefined));
    const moves = eventsOf('cross', 'move');
    expect(moves.length).toBeGreaterThan(0);
    // Throttled on Date.now(), which `t` is too (read a moment later, in the same handler).
    for (let i = 1; i < moves.length; i++) expect(moves[i]!.t - moves[i - 1]!.t).toBeGreaterThanOrEqual(95);
    expect(eventsOf('cross', 'click')[0]).toMatchObject({
      x: 300,
      y: 200,
      url: `${crossOrigin}/page`, // no keepQuery: the query never leaves the browser
    });
    await context.close();
  });

  it('renders a heatmap: hot spots painted, far away transparent, pixel ratio honoured', async () => {
    const { context, page, errors } = await newPage();
    await page.goto(`${base}/render`);
    const probe = await page.evaluate(() => {
      const mt = (window as unknown as PageWindow).MonkeyTracker;
      const canvas = document.createElement('canvas');
      canvas.style.width = '400px';
      canvas.style.height = '300px';
      canvas.width = 800; // a device pixel ratio of 2
      canvas.height = 600;
      document.body.append(canvas);
      const heatmap: Heatmap = {
        cellSize: 10,
        total: 11,
        max: 10,
        cells: [
          { x: 100, y: 100, count: 10 },
          { x: 300, y: 200, count: 1 },
        ],
      };
      const stats = mt.renderHeatmap(canvas, heatmap, { radius: 10, blur: 5 });
      const ctx = canvas.getContext('2d')!;
      const at = (x: number, y: number) => [...ctx.getImageData(x, y, 1, 1).data];
      return {
        stats,
        hot: at(210, 210), // cell (100, 100) → centre (105, 105) CSS px → (210, 210) canvas px
        cool: at(610, 410), // the count-1 cell: faint, but drawn (minOpacity)
        between: at(400, 300),
        corner: at(5, 595),
      };
    });
    expect(probe.stats.drawn).toBe(2);
    const [r, g, b, a] = probe.hot;
    expect(a).toBeGreaterThan(150);
    expect(r).toBeGreaterThan(200); // the hottest point is red
    expect(g! + b!).toBeLessThan(100);
    expect(probe.cool[3]).toBeGreaterThan(0);
    expect(probe.cool[3]).toBeLessThan(probe.hot[3]!);
    expect(probe.between).toEqual([0, 0, 0, 0]);
    expect(probe.corner).toEqual([0, 0, 0, 0]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('does not track inside the viewer preview frame (named PREVIEW_FRAME_NAME)', async () => {
    const { context, page, errors } = await newPage();
    await page.goto(`${base}/blank`);
    await page.evaluate((src) => {
      for (const [name, site] of [
        ['monkeytracker-preview', 'framed-preview'],
        ['other', 'framed-other'],
      ]) {
        const frame = document.createElement('iframe');
        frame.name = name!;
        frame.src = `${src}&site=${site}`;
        document.body.append(frame);
      }
    }, `${base}/page?x=1`);
    for (const frame of page.frames().slice(1)) await frame.waitForLoadState('load');
    for (const frame of page.frames().slice(1)) await frame.evaluate(() => document.body.click());
    await page.goto(`${base}/blank`); // both frames end their page view
    await waitFor('the events of the ordinary frame', () =>
      eventsOf('framed-other').length >= 2 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(eventsOf('framed-preview')).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('renders a window of a tall page (origin) and the normalised difference of two periods', async () => {
    const { context, page, errors } = await newPage();
    await page.goto(`${base}/render`);
    const probe = await page.evaluate(() => {
      const mt = (window as unknown as PageWindow).MonkeyTracker;
      const canvas = document.createElement('canvas');
      canvas.width = 400;
      canvas.height = 300;
      document.body.append(canvas);
      const ctx = canvas.getContext('2d')!;
      const at = (x: number, y: number) => [...ctx.getImageData(x, y, 1, 1).data];
      // One hot cell 59,000 px down a page: drawn at its place in the window that starts at 58,900.
      const tall: Heatmap = { cellSize: 10, total: 1, max: 1, cells: [{ x: 195, y: 59_000, count: 1 }] };
      mt.renderHeatmap(canvas, tall, { radius: 10, blur: 5, origin: { x: 0, y: 58_900 } });
      const window1 = { hot: at(200, 105), far: at(200, 250) };
      mt.renderHeatmap(canvas, tall, { radius: 10, blur: 5, origin: { x: 0, y: 0 } });
      const window0 = at(200, 105);
      // opaqueAt: a weak cell (intensity 0.3) as opaque as the hottest one, its colour still weak.
      const weak: Heatmap = { cellSize: 10, total: 11, max: 10, cells: [{ x: 195, y: 100, count: 1 }] };
      mt.renderHeatmap(canvas, weak, { radius: 10, blur: 5, minOpacity: 0.3, maxOpacity: 0.9 });
      const faint = at(200, 105);
      mt.renderHeatmap(canvas, weak, {
        radius: 10,
        blur: 5,
        minOpacity: 0.3,
        maxOpacity: 0.9,
        opaqueAt: 0.3,
      });
      const opaque = { core: at(200, 105), edge: at(200, 105 + 14) };
      // Scroll reach with originY: the band of 100 % ends at 1,000 px, drawn 100 px into a window at 900.
      mt.renderScrollReach(
        canvas,
        {
          cellSize: 10,
          total: 2,
          max: 1,
          cells: [],
          reach: [
            { y: 500, share: 1 },
            { y: 1000, share: 0.5 },
          ],
        },
        { originY: 900, labels: [] },
      );
      const reach = { above: at(200, 50), below: at(200, 150) };
      // Diff: "now" has 10× the traffic but the same share on the left; the right spot only now.
      const now: Heatmap = {
        cellSize: 10,
        total: 200,
        max: 100,
        cells: [
          { x: 95, y: 145, count: 100 },
          { x: 295, y: 145, count: 100 },
        ],
      };
      const before: Heatmap = { cellSize: 10, total: 10, max: 10, cells: [{ x: 95, y: 145, count: 10 }] };
      const stats = mt.renderHeatmapDiff!(canvas, now, before, { radius: 10, blur: 5 });
      // Left: half of "now" vs all of "before" → share fell (blue); right: only now (red).
      return {
        window1,
        window0,
        faint,
        opaque,
        reach,
        stats,
        left: at(100, 150),
        right: at(300, 150),
        gap: at(200, 20),
      };
    });
    expect(probe.window1.hot[3]).toBeGreaterThan(0);
    expect(probe.window1.far).toEqual([0, 0, 0, 0]);
    expect(probe.window0).toEqual([0, 0, 0, 0]);
    expect(probe.faint[3]).toBeLessThan(90); // ≈ 0.3 × 255
    expect(probe.opaque.core[3]).toBeGreaterThan(200); // ≈ 0.9 × 255
    expect(probe.opaque.core.slice(0, 3)).toEqual(probe.faint.slice(0, 3)); // the same colour
    expect(probe.opaque.edge[3]).toBeLessThan(probe.opaque.core[3]!); // still fading at the edge
    expect(probe.reach.above[3]).toBeGreaterThan(probe.reach.below[3]!);
    expect(probe.stats.drawn).toBe(3);
    const [lr, , lb, la] = probe.left;
    const [rr, , rb, ra] = probe.right;
    expect(la).toBeGreaterThan(100);
    expect(lb).toBeGreaterThan(lr!); // blue: a smaller share than before
    expect(ra).toBeGreaterThan(100);
    expect(rr).toBeGreaterThan(rb!); // red: new
    expect(probe.gap).toEqual([0, 0, 0, 0]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('renders the scroll-reach fold view', async () => {
    const { context, page, errors } = await newPage();
    await page.goto(`${base}/render`);
    const probe = await page.evaluate(() => {
      const mt = (window as unknown as PageWindow).MonkeyTracker;
      const canvas = document.createElement('canvas');
      canvas.width = 200;
      canvas.height = 1000;
      document.body.append(canvas);
      const heatmap: Heatmap = {
        cellSize: 100,
        total: 4,
        max: 2,
        cells: [],
        reach: [
          { y: 300, share: 1 },
          { y: 500, share: 0.5 },
          { y: 700, share: 0.25 },
        ],
      };
      const stats = mt.renderScrollReach(canvas, heatmap, { labels: [] });
      const ctx = canvas.getContext('2d')!;
      const at = (y: number) => [...ctx.getImageData(100, y, 1, 1).data];
      // The same without `reach`: derived from the cells (one count per view, deepest row).
      const derived = document.createElement('canvas');
      derived.width = 200;
      derived.height = 1000;
      mt.renderScrollReach(
        derived,
        {
          cellSize: 100,
          total: 4,
          max: 2,
          cells: [
            { x: 0, y: 300, count: 2 },
            { x: 0, y: 500, count: 1 },
            { x: 0, y: 700, count: 1 },
          ],
        },
        { labels: [] },
      );
      const same = [100, 400, 600, 750, 900].every(
        (y) =>
          ctx.getImageData(100, y, 1, 1).data.join() ===
          derived.getContext('2d')!.getImageData(100, y, 1, 1).data.join(),
      );
      mt.renderScrollReach(canvas, heatmap); // with labels: must not throw
      return { stats, all: at(100), half: at(600), quarter: at(750), none: at(900), same };
    });
    expect(probe.stats.drawn).toBe(3);
    expect(probe.all[0]).toBeGreaterThan(200); // 100 %: red
    expect(probe.all[3]).toBeGreaterThan(probe.half[3]!); // more opaque where more views reached
    expect(probe.half[3]).toBeGreaterThan(probe.quarter[3]!);
    expect(probe.quarter[3]).toBeGreaterThan(0);
    expect(probe.none).toEqual([0, 0, 0, 0]); // below the deepest view: nothing
    expect(probe.same).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('renders 5,000 cells on a desktop and a full-page canvas: the hottest cell painted, nothing far from the data', async () => {
    // Timing lives in `pnpm bench render` (beside heatmap.js); this checks what is drawn.
    const { context, page, errors } = await newPage();
    await page.goto(`${base}/render`);
    for (const [width, height] of [
      [1280, 1024],
      [1280, 2400],
    ] as const) {
      const heatmap = syntheticHeatmap(5000, width, height - 150);
      const drawn = await page.evaluate(
        ({ heatmap, width, height }) => {
          const w = window as unknown as PageWindow;
          for (const old of document.querySelectorAll('canvas')) old.remove();
          const canvas = document.createElement('canvas');
          canvas.width = width;
          canvas.height = height;
          document.body.append(canvas);
          const ctx = canvas.getContext('2d')!;
          const result = w.MonkeyTracker.renderHeatmap(canvas, heatmap);
          const pixel = (x: number, y: number) => [...ctx.getImageData(x, y, 1, 1).data];
          const hot = heatmap.cells[0]!;
          return { drawn: result.drawn, hot: pixel(hot.x + 5, hot.y + 5), far: pixel(width / 2, height - 5) };
        },
        { heatmap, width, height },
      );
      expect(drawn.drawn).toBe(5000);
      expect(drawn.hot[3]).toBeGreaterThan(150); // the hottest cell: opaque and red
      expect(drawn.hot[0]).toBeGreaterThan(200);
      expect(drawn.far).toEqual([0, 0, 0, 0]); // 150 px below the data: nothing
    }
    expect(errors).toEqual([]);
    await context.close();
  });
});
