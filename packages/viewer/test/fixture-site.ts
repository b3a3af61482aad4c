// A small tracked site for the viewer's tests and benchmark: a tracker (memory storage + a
// journal in a temporary directory), the real HTTP handler with the viewer behind a bearer
// token, and pages with the real tracking snippet:
//
//   /shop, /, /compare  a landing page of fixed geometry with dark and light sections and buttons
//                   marked data-target (it reflows at phone widths)
//   /tall           60,000 px of alternating dark and light bands, with buttons at the top,
//                   the middle and the bottom
//   /cells          an empty page, for generated heatmaps
//   /layout         a sticky header, two cards with named buttons (data-mt), a button with a
//                   hand-written id, a plain paragraph; `changeLayout()` (run at load with
//                   `?layout=changed` or the cookie `mt_layout=changed`) inserts a 150 px banner
//                   above the content, swaps the cards and removes the "legacy" button
//   /blank          a page without the snippet (leaving a tracked page ends its view)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IndexKey } from '@monkeytracker/grid';
import {
  type ListedIndex,
  type ListFilter,
  MemoryStorage,
  StorageUnavailableError,
  type StoredIndex,
} from '@monkeytracker/storage';
import { createTracker, type Tracker } from 'monkeytracker';
import { bearerToken, createHandler } from 'monkeytracker/http';
import { createViewer } from '../src/index';
import { browserDist } from './ensure-built';

export const TOKEN = 'viewer-test-read-token-0123456789';
export const TALL = 60_000;

const SNIPPET = '<script src="/tracker.js" data-endpoint="/mt/collect" data-moves="40" defer></script>';

const SHOP = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shop</title>
<style>
  html, body { margin: 0; padding: 0; font: 16px/1.4 sans-serif; }
  button { font: inherit; border: 0; border-radius: 8px; cursor: pointer; }
  header { height: 80px; background: #121419; color: #fff; display: flex; align-items: center; gap: 16px; padding: 0 32px; }
  header .logo { font-weight: 700; font-size: 20px; flex: 1; }
  header button { height: 40px; padding: 0 18px; background: #2a2f3b; color: #fff; }
  .hero { height: 560px; background: #ffffff; text-align: center; padding-top: 80px; box-sizing: border-box; }
  .hero h1 { margin: 0 0 16px; font-size: 44px; }
  .hero p { margin: 0 auto 40px; max-width: 560px; color: #555; }
  .hero button { width: 220px; height: 56px; margin: 8px; font-weight: 700; }
  #cta { background: #ff6a00; color: #fff; }
  #demo { background: #eceef3; color: #222; }
  .plans { background: #1a1e28; color: #fff; padding: 60px 32px; display: flex; flex-wrap: wrap; gap: 24px; justify-content: center; }
  .plan { width: 300px; height: 300px; background: #232938; border-radius: 12px; padding: 24px; box-sizing: border-box; }
  .plan button { width: 100%; height: 48px; margin-top: 150px; background: #3b4460; color: #fff; }
  .faq { background: #f4f6fa; padding: 60px 32px; }
  .faq button { display: block; width: min(640px, 100%); height: 64px; margin: 0 auto 16px; background: #fff; text-align: left; padding: 0 20px; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
  footer { height: 200px; background: #0d0f13; color: #aaa; padding: 40px 32px; box-sizing: border-box; }
  footer button { background: none; color: #9cf; padding: 8px 0; }
</style></head>
<body>
<header><span class="logo">Shop</span><button data-target="nav-pricing">Pricing</button><button data-target="nav-login">Log in</button></header>
<section class="hero"><h1>Everything you need</h1><p>A fixture page of known geometry: light and dark sections, buttons to click.</p>
<button id="cta" data-target="cta">Start free trial</button><button id="demo" data-target="demo">Watch the demo</button></section>
<section class="plans">
  <div class="plan"><strong>Basic</strong><button data-target="plan-1">Choose Basic</button></div>
  <div class="plan"><strong>Team</strong><button data-target="plan-2">Choose Team</button></div>
  <div class="plan"><strong>Business</strong><button data-target="plan-3">Choose Business</button></div>
</section>
<section class="faq">
  <button data-target="faq-1">How does it work?</button><button data-target="faq-2">Can I cancel?</button>
  <button data-target="faq-3">Is there a free plan?</button><button data-target="faq-4">Where is my data?</button>
</section>
<footer><button data-target="footer-contact">Contact</button></footer>
${SNIPPET}
</body></html>`;

const LAYOUT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Layout</title>
<style>
  html, body { margin: 0; padding: 0; font: 16px/1.5 sans-serif; background: #fff; color: #1d2230; }
  button { font: inherit; border: 0; border-radius: 8px; cursor: pointer; }
  header { position: sticky; top: 0; z-index: 5; height: 64px; display: flex; align-items: center; gap: 16px; padding: 0 32px; background: #121722; color: #fff; }
  header strong { flex: 1; font-size: 20px; }
  header button { width: 120px; height: 40px; background: #2d3446; color: #fff; }
  .banner { height: 150px; background: #ffe08a; display: flex; align-items: center; justify-content: center; font-size: 22px; font-weight: 700; }
  main { padding: 40px 5% 0; }
  .cards { display: flex; gap: 6%; }
  .card { flex: 1; height: 260px; background: #e6ebf3; border-radius: 12px; padding: 24px; box-sizing: border-box; display: flex; flex-direction: column; justify-content: space-between; }
  .card h2 { margin: 0; }
  .card button { height: 52px; background: #ff6a00; color: #fff; font-weight: 700; }
  p { margin: 48px 0; max-width: 640px; color: #444; }
  .actions { display: flex; gap: 32px; }
  .actions button { width: 200px; height: 56px; background: #1f6feb; color: #fff; }
  .filler { height: 1800px; margin-top: 48px; background: linear-gradient(#f4f6fa, #d9dfe9); }
</style></head>
<body>
<header><strong>Layout</strong><button data-mt="menu">Menu</button></header>
<main>
  <section class="cards">
    <div class="card" id="card-a"><h2>Plan A</h2><button data-mt="plan-a">Choose A</button></div>
    <div class="card" id="card-b"><h2>Plan B</h2><button data-mt="plan-b">Choose B</button></div>
  </section>
  <p>A plain paragraph: clicking it does nothing at all, which makes it a dead click.</p>
  <div class="actions"><button id="signup">Sign up</button><button data-mt="legacy">Old offer</button><button data-mt="download">Download</button></div>
  <div class="filler"></div>
</main>
<script>
  window.changeLayout = function () {
    var banner = document.createElement('div');
    banner.className = 'banner';
    banner.textContent = 'A new banner, 150 px';
    document.querySelector('main').before(banner);
    var cards = document.querySelector('.cards');
    cards.append(document.getElementById('card-a'));
    document.querySelector('[data-mt="legacy"]').remove();
  };
  if (/[?&]layout=changed/.test(location.search) || /(^|; )mt_layout=changed/.test(document.cookie)) changeLayout();
</script>
${SNIPPET}
</body></html>`;

function tallPage(): string {
  const bands: string[] = [];
  for (let i = 0; i < TALL / 1000; i++) {
    const dark = i % 2 === 1;
    bands.push(
      `<div style="height:1000px;background:${dark ? '#1a1e28' : '#ffffff'};color:${dark ? '#fff' : '#222'};font:24px sans-serif;padding:20px;box-sizing:border-box">${(i * 1000).toLocaleString('en-US')} px</div>`,
    );
  }
  const button = (id: string, top: number) =>
    `<button data-target="${id}" style="position:absolute;left:540px;top:${top}px;width:200px;height:60px;font:18px sans-serif">${id}</button>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Tall</title>
<style>html,body{margin:0;padding:0}body{position:relative}</style></head><body>
${bands.join('\n')}
${button('top', 400)}${button('middle', 30_400)}${button('bottom', TALL - 400)}
${SNIPPET}
</body></html>`;
}

/** MemoryStorage that can be taken down: reads then fail with STORAGE_UNAVAILABLE (HTTP 503). */
export class OutageStorage extends MemoryStorage {
  down = false;
  override get(keys: readonly IndexKey[]): Promise<Map<string, StoredIndex>> {
    if (this.down) return Promise.reject(new StorageUnavailableError('the test took the storage down'));
    return super.get(keys);
  }
  override list(filter?: ListFilter): AsyncIterable<ListedIndex> {
    if (!this.down) return super.list(filter);
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.reject(new StorageUnavailableError('the test took the storage down')),
      }),
    };
  }
}

export interface FixtureSite {
  url: string;
  tracker: Tracker;
  storage: OutageStorage;
  close(): Promise<void>;
}

/** Starts the site on a free loopback port. */
export async function startFixtureSite(options: { timeZone?: string } = {}): Promise<FixtureSite> {
  const dir = mkdtempSync(join(tmpdir(), 'mt-viewer-site-'));
  const storage = new OutageStorage();
  const tracker = await createTracker({
    storage,
    journal: { dir: join(dir, 'journal') },
    timeZone: options.timeZone ?? 'UTC',
    onError: () => {},
  });
  const handler = createHandler(tracker, {
    viewer: createViewer({ title: 'MonkeyTracker' }),
    authorize: bearerToken(TOKEN),
    // The tests send events dated in the past (a browser clock set back), to fill two periods.
    trustClientTime: true,
  });
  const tracker_js = readFileSync(join(browserDist, 'tracker.global.js'));
  const tall = tallPage();
  const html = (body: string) => ({ 'content-type': 'text/html; charset=utf-8', body });
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/mt' || path.startsWith('/mt/')) return handler(req, res);
    let page: { 'content-type': string; body: string | Buffer } | undefined;
    if (path === '/' || path === '/shop' || path === '/compare') page = html(SHOP);
    else if (path === '/blank') page = html('<!doctype html><title>blank</title>');
    else if (path === '/tall') page = html(tall);
    else if (path === '/layout') page = html(LAYOUT);
    else if (path === '/cells')
      page = html('<!doctype html><title>cells</title><body style="margin:0;height:3000px"></body>');
    else if (path === '/tracker.js') page = { 'content-type': 'text/javascript', body: tracker_js };
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<!doctype html><h1>Not found</h1>');
      return;
    }
    res.writeHead(200, { 'content-type': page['content-type'], 'cache-control': 'no-store' }).end(page.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    tracker,
    storage,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await tracker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { CHROMIUM, CHROMIUM_ARGS } from '@monkeytracker/test-kit';
