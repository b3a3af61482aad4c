import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM } from '@monkeytracker/test-kit';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handWritten } from '../src/element-selector';
import type { TrackedEvent, Tracking } from '../src/start-tracking';
import { ensureBuilt } from './ensure-built';

// What the snippet records about the element a click hit (selector, offset, box), fixed and
// sticky elements, rage and dead clicks: the built tracker.global.js in a real Chromium, against a
// collector that keeps what is POSTed.

const haveChromium = HAVE_CHROMIUM;
const mustRun = process.env.CI === 'true';
const VIEWPORT = { width: 1000, height: 700 };
/** What the server (`@monkeytracker/grid`, validateEvent) accepts as `sel`. */
const SERVER_SELECTOR = /^[A-Za-z0-9_\-#.:>()[\]="]+$/;

const received: TrackedEvent[] = [];
let server: Server;
let base = '';
let browser: Browser;
let distDir = '';

/** A page with the tracker started by hand (flushes every 100 ms), `?site=` naming the site. */
function fixture(body: string, style = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>fixture</title>
<style>html,body{margin:0;padding:0}${style}</style>
<script>history.scrollRestoration = 'manual';</script></head>
<body>${body}<script src="/tracker.js"></script><script>
window.tracking = MonkeyTracker.startTracking({
  endpoint: '/mt/collect',
  site: new URLSearchParams(location.search).get('site'),
  flushMs: 100,
});
</script></body></html>`;
}

// 62 characters: four steps fit in 256, not the fifth (the div they are in), so the path is cut
// there and resolves only because no other element has four of these above it.
const LONG_TAG = `x-${'a'.repeat(60)}`;

const fixtures: Record<string, string> = {
  selectors: fixture(
    `<div data-mt="hero"><p>Hello <span class="t-hero">dear visitor</span></p></div>
<button data-mt="buy" id="buy" class="t-buy">Buy now</button>
<section id="pricing"><ul><li>One</li><li class="t-li">Two <b>bold</b></li><li>Three</li></ul></section>
<div data-mt="cards"><div>first</div><div><span>x</span> <span class="t-card">second card</span></div></div>
<div id="ember123"><div id="css-1x2y3z"><div id="a8f3k2"><div id=":r1:"><div id="radix-:R1:">
  <span id="item-12345" class="t-gen">generated</span></div></div></div></div></div>
<main><article><h2>Title</h2><h2 class="t-h2">Second title</h2></article></main>
<div id="dup">first dup</div><div id="dup"><em class="t-dup">second dup</em></div>
<div data-mt="has space"><i class="t-badmt">bad name</i></div>
<div><div><div><div><div><div><div><u class="t-deep">deep</u></div></div></div></div></div></div></div>
<div>${`<${LONG_TAG}>`.repeat(3)}<${LONG_TAG} class="t-long">long</${LONG_TAG}>${`</${LONG_TAG}>`.repeat(3)}</div>
<p id="intro" class="t-text">Some words</p>
<svg width="60" height="30"><rect class="t-rect" width="60" height="30" fill="#888"/></svg>`,
    // The right 200 px of the page are body's padding: a click there hits body.
    `body{padding-right:200px} ${LONG_TAG}{display:block}`,
  ),
  offsets: fixture(
    `<button id="pay" style="position:absolute;left:100px;top:200px;width:200px;height:50px">Pay</button>
<div style="height:3000px"></div>`,
    'button{box-sizing:border-box;margin:0;padding:0;border:2px solid #333}',
  ),
  sticky: fixture(
    `<header id="top"><button class="t-menu">Menu</button></header>
<div id="content" style="height:5000px">content</div>
<div id="chat">chat</div>`,
    `#top{position:sticky;top:0;height:60px;background:#eee}
.t-menu{margin-left:150px;width:100px;height:40px;margin-top:10px}
#chat{position:fixed;right:20px;bottom:20px;width:80px;height:40px;background:#ccd}`,
  ),
  rage: fixture(`<button id="go" style="width:600px;height:400px">Go</button>
<label style="display:block;width:200px;height:40px">Label <input type="checkbox"></label>`),
  dead: fixture(
    `<p id="plain">Plain text</p>
<p id="mutating">Changes when clicked</p>
<p id="focuser">Focuses the field</p><input id="field">
<p id="router">Routes</p>
<p id="leaver">Leaves for a slow page</p>
<button id="btn">Button</button>
<a id="hash" href="#section">Jump</a>
<div id="section" style="height:2000px"></div>
<script>
  mutating.addEventListener('click', () => { mutating.textContent += '!'; });
  focuser.addEventListener('click', () => field.focus());
  router.addEventListener('click', () => history.pushState({}, '', location.pathname + location.search + '&r=1'));
  leaver.addEventListener('click', () => { location.href = '/slow'; });
</script>`,
    'p,button,a{display:block;height:40px;margin:0 0 10px}',
  ),
};

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'POST' && url.pathname === '/mt/collect') {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        received.push(...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as TrackedEvent[]));
        res.writeHead(202).end();
      } catch {
        res.writeHead(400).end();
      }
    });
    return;
  }
  const send = (type: string, body: string | Buffer) =>
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  const page = fixtures[url.pathname.slice(1)];
  if (url.pathname === '/slow')
    setTimeout(() => send('text/html', '<!doctype html><title>slow</title>'), 5000);
  else if (url.pathname === '/tracker.js')
    send('text/javascript', readFileSync(join(distDir, 'tracker.global.js')));
  else if (page) send('text/html', page);
  else res.writeHead(404).end();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function eventsOf(site: string, kind?: TrackedEvent['kind']): TrackedEvent[] {
  return received.filter((e) => e.site === site && (kind === undefined || e.kind === kind));
}

interface Opened {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

async function open(name: string, site: string): Promise<Opened> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${base}/${name}?site=${site}`);
  return { context, page, errors };
}

/** Stops the page's tracker (which sends what waits, ending with the view's scroll event), returns the site's events. */
async function finish({ context, page, errors }: Opened, site: string): Promise<TrackedEvent[]> {
  await page.evaluate(() => (window as unknown as { tracking: Tracking }).tracking.stop());
  await waitFor(`the scroll event of ${site}`, () => (eventsOf(site, 'scroll').length ? true : undefined));
  await sleep(50);
  expect(errors).toEqual([]);
  await context.close();
  return eventsOf(site);
}

/** Scrolls to `y` and waits for the scroll event, as the existing e2e test does. */
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

const elementFields = (e: TrackedEvent) => ({ sel: e.sel, ox: e.ox, oy: e.oy, ew: e.ew, eh: e.eh });

describe('handWritten (which ids anchor a selector)', () => {
  it('accepts ids people write and rejects generated-looking ones', () => {
    for (const id of ['main', 'pricing', 'signup-form', 'nav_top', 'step2', 'h1', 'section-3', 'buy'])
      expect(handWritten(id), id).toBe(true);
    for (const id of [
      ':r1:', // React useId
      'radix-:R1:',
      'ember123',
      'css-1x2y3z',
      'a8f3k2',
      'item-12345',
      't1700000000',
      'a1b2c',
      'x-1a-2b',
      '1abc', // starts with a digit
      'has space',
      'a'.repeat(65),
      '',
    ])
      expect(handWritten(id), id).toBe(false);
  });
});

describe.skipIf(!haveChromium && !mustRun)('element capture, rage and dead clicks in Chromium', () => {
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

  it('names the clicked element by data-mt, hand-written ids and tag paths that resolve back to it', async () => {
    const opened = await open('selectors', 'sel');
    const { page } = opened;
    const expected: [string, string | RegExp][] = [
      ['t-hero', '[data-mt="hero"]>p>span'],
      ['t-buy', '[data-mt="buy"]'], // data-mt wins over the id on the same element
      ['t-li', '#pricing>ul>li:nth-of-type(2)'],
      ['t-card', '[data-mt="cards"]>div:nth-of-type(2)>span:nth-of-type(2)'],
      ['t-gen', /^body>div:nth-of-type\(\d+\)>div>div>div>div>span$/], // no generated id used
      ['t-h2', 'body>main>article>h2:nth-of-type(2)'],
      ['t-dup', /^body>div:nth-of-type\(\d+\)>em$/], // a duplicated id is no anchor
      ['t-badmt', /^body>div:nth-of-type\(\d+\)>i$/], // nor a data-mt name with a space
      ['t-deep', 'div>div>div>div>div>u'], // 6 steps, no anchor: cut from the top
      ['t-long', Array(4).fill(LONG_TAG).join('>')], // 256 characters at most: cut from the top
      ['t-rect', 'body>svg>rect'],
    ];
    for (const [cls] of expected) await page.locator(`.${cls}`).click();
    // A Text node target stands for its parent (real mouse clicks always hit elements).
    await page.evaluate(() =>
      document
        .querySelector('.t-text')!
        .firstChild!.dispatchEvent(new MouseEvent('click', { bubbles: true, clientX: 5, clientY: 5 })),
    );
    await scrollTo(page, 0);
    await page.mouse.click(900, 300); // body's padding: no element
    const clicks = await waitFor('13 clicks', () => {
      const c = eventsOf('sel', 'click');
      return c.length >= 13 ? c : undefined;
    });
    clicks.sort((a, b) => a.t - b.t); // stable: batches arrive in order, clicks within one are
    expect(clicks).toHaveLength(13);
    const all: [string, string | RegExp][] = [...expected, ['t-text', '#intro']];
    for (const [i, [cls, sel]] of all.entries()) {
      const click = clicks[i]!;
      if (typeof sel === 'string') expect(click.sel, cls).toBe(sel);
      else expect(click.sel, cls).toMatch(sel);
      expect(click.sel!.length).toBeLessThanOrEqual(256);
      expect(click.sel).toMatch(SERVER_SELECTOR);
      // No text or class ever ends up in a selector.
      for (const [other] of all) expect(click.sel).not.toContain(other);
      expect(click.sel).not.toMatch(/Hello|visitor|Buy|Two|bold|second|title|dup|long|deep|words|space/);
      const resolves = await page.evaluate(
        ([s, c]) => document.querySelector(s!) === document.querySelector(`.${c}`),
        [click.sel, cls],
      );
      expect(resolves, `${cls}: ${click.sel}`).toBe(true);
      expect(click.ew).toBeGreaterThan(0);
      expect(click.eh).toBeGreaterThan(0);
    }
    expect(clicks[4]!.sel).not.toContain('#');
    expect(clicks[8]!.sel!.split('>')).toHaveLength(6);
    const body = clicks[12]!;
    expect(body).toMatchObject({ x: 900, y: 300 });
    for (const field of ['sel', 'ox', 'oy', 'ew', 'eh']) expect(body).not.toHaveProperty(field);
    await finish(opened, 'sel');
  });

  it('sends where the click fell inside the element box (0–1000) and the box size', async () => {
    const opened = await open('offsets', 'offset');
    const { page } = opened;
    await page.mouse.click(150, 210); // button box: left 100, top 200, 200 × 50
    await scrollTo(page, 150);
    await page.mouse.click(250, 70); // client (250, 70) = page (250, 220): the box is at top 50 now
    const clicks = await waitFor('2 clicks', () => {
      const c = eventsOf('offset', 'click');
      return c.length >= 2 ? c : undefined;
    });
    expect(clicks[0]).toMatchObject({ x: 150, y: 210, sel: '#pay', ew: 200, eh: 50 });
    expect(clicks[1]).toMatchObject({ x: 250, y: 220, sel: '#pay', ew: 200, eh: 50 });
    for (const [click, ox, oy] of [
      [clicks[0]!, 250, 200],
      [clicks[1]!, 750, 400],
    ] as const) {
      expect(Math.abs(click.ox! - ox)).toBeLessThanOrEqual(1);
      expect(Math.abs(click.oy! - oy)).toBeLessThanOrEqual(1);
    }
    await finish(opened, 'offset');
  });

  it('sends viewport coordinates for fixed and sticky elements, page coordinates for the rest', async () => {
    const opened = await open('sticky', 'sticky');
    const { page } = opened;
    for (const top of [0, 1500, 3000]) {
      expect(await scrollTo(page, top)).toBe(top);
      await page.mouse.click(200, 30); // the sticky header's button
    }
    await scrollTo(page, 1500);
    await page.mouse.click(500, 300); // plain content: page coordinates
    await page.mouse.click(930, 650); // the fixed chat box
    const clicks = await waitFor('5 clicks', () => {
      const c = eventsOf('sticky', 'click');
      return c.length >= 5 ? c : undefined;
    });
    const header = clicks.slice(0, 3);
    for (const click of header) {
      expect(click).toMatchObject({ x: 200, y: 30, sel: '#top>button', ew: 100, eh: 40 });
      expect(elementFields(click)).toEqual(elementFields(header[0]!));
    }
    expect(clicks[3]).toMatchObject({ x: 500, y: 1800, sel: '#content' });
    expect(clicks[4]).toMatchObject({ x: 930, y: 650, sel: '#chat', ew: 80, eh: 40 });
    await finish(opened, 'sticky');
  });

  it('sends one rage event per burst of ≥ 3 clicks within 1000 ms and 30 px of its first', async () => {
    // Clicks back to back (one round trip each): a burst of five takes well under 1000 ms.
    const burst = async (page: Page, points: [number, number][]) => {
      for (const [x, y] of points) await page.mouse.click(x, y);
    };
    const here = (n: number, x = 300, y = 200): [number, number][] =>
      Array.from({ length: n }, (_, i) => [x + (i % 2) * 10, y + (i % 3) * 5]); // within a few px
    // `fast`: index ranges of the click events that must fall within 1000 ms for the scenario to
    // mean what it says (checked on the events' own `t`, before the rage count).
    const scenarios: {
      site: string;
      run: (page: Page) => Promise<void>;
      clicks: number;
      fast: [number, number][];
      rage: number;
    }[] = [
      { site: 'rage-3', run: (page) => burst(page, here(3)), clicks: 3, fast: [[0, 2]], rage: 1 },
      { site: 'rage-5', run: (page) => burst(page, here(5)), clicks: 5, fast: [[0, 4]], rage: 1 },
      {
        site: 'rage-3-3',
        run: async (page) => {
          await burst(page, here(3));
          await sleep(1100); // past the burst's 1000 ms: the next click starts a new one
          await burst(page, here(3));
        },
        clicks: 6,
        fast: [
          [0, 2],
          [3, 5],
        ],
        rage: 2,
      },
      {
        // Each click on a label is forwarded to its control (a second click event, same spot
        // and timeStamp): two label clicks are 4 click events but 2 clicks of the burst.
        site: 'rage-label',
        run: (page) => burst(page, here(2, 50, 420)),
        clicks: 4,
        fast: [[0, 3]],
        rage: 0,
      },
      {
        site: 'rage-spread', // 100 px apart
        run: (page) =>
          burst(page, [
            [100, 200],
            [200, 200],
            [300, 200],
          ]),
        clicks: 3,
        fast: [[0, 2]],
        rage: 0,
      },
    ];
    // One page at a time (parallel pages slow each other's clicks down); a scenario whose clicks
    // were too slow on a loaded machine is run again, at most 3 times.
    for (const { site, run, clicks, fast, rage } of scenarios) {
      for (let attempt = 1; ; attempt++) {
        const name = `${site}-${attempt}`;
        const opened = await open('rage', name);
        await run(opened.page);
        const events = await finish(opened, name);
        const sent = events.filter((e) => e.kind === 'click');
        const rages = events.filter((e) => e.kind === 'rage');
        expect(sent, name).toHaveLength(clicks);
        const times = sent.map((e) => e.t - sent[0]!.t);
        const slow = fast.some(([from, to]) => times[to]! - times[from]! >= 1000);
        if (slow && attempt < 3) continue;
        expect(slow, `${name}: clicks too slow for the scenario, at ${times} ms`).toBe(false);
        expect(rages, name).toHaveLength(rage);
        // Each rage event is a copy of the 3rd click of its burst: coordinates, element, time.
        for (const [i, r] of rages.entries()) expect(r).toEqual({ ...sent[i * 3 + 2], kind: 'rage' });
        break;
      }
    }
  });

  it('sends a dead click after 1000 ms with no DOM change, focus or navigation, only off interactive elements', async () => {
    const scenarios: { site: string; target: string; dead: number; stopEarly?: boolean; leaves?: boolean }[] =
      [
        { site: 'dead-plain', target: '#plain', dead: 1 },
        { site: 'dead-mutating', target: '#mutating', dead: 0 }, // its click handler changes the DOM
        { site: 'dead-focus', target: '#focuser', dead: 0 }, // its click handler focuses a field
        { site: 'dead-route', target: '#router', dead: 0 }, // its click handler calls pushState
        { site: 'dead-button', target: '#btn', dead: 0 },
        { site: 'dead-leave', target: '#leaver', dead: 0, leaves: true }, // beforeunload, the next page takes 5 s
        { site: 'dead-link', target: '#hash', dead: 0 },
        { site: 'dead-stopped', target: '#plain', dead: 0, stopEarly: true }, // stop() drops it
      ];
    await Promise.all(
      scenarios.map(async ({ site, target, dead, stopEarly, leaves }) => {
        const opened = await open('dead', site);
        // page.mouse.click: a locator click would wait for the navigation `#leaver` starts.
        const box = (await opened.page.locator(target).boundingBox())!;
        const clickedAt = Date.now();
        await opened.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
        if (stopEarly) {
          await opened.page.evaluate(() => (window as unknown as { tracking: Tracking }).tracking.stop());
          await sleep(1300); // the page stays open past the window: nothing comes
          const events = await finish(opened, site); // stop() again: idempotent
          expect(events.map((e) => e.kind).sort(), site).toEqual(['click', 'scroll']);
          return;
        }
        if (leaves) {
          // Past the window, and before the next page answers (so pagehide did not fire yet):
          // beforeunload ended the watch.
          await sleep(1300);
          expect(Date.now() - clickedAt).toBeLessThan(4500);
          expect(
            eventsOf(site).map((e) => e.kind),
            site,
          ).toEqual(['click']);
          await opened.context.close();
          return;
        }
        if (dead) {
          const [event] = await waitFor(`the dead click of ${site}`, () => {
            const d = eventsOf(site, 'dead');
            return d.length ? d : undefined;
          });
          // Sent after its 1000 ms window, not before (the batch goes within 100 ms of it).
          expect(Date.now() - clickedAt, site).toBeGreaterThanOrEqual(1000);
          const click = eventsOf(site, 'click')[0]!;
          expect(event).toMatchObject({ ...elementFields(click), x: click.x, y: click.y, sel: target });
          expect(event!.t).toBe(click.t); // the click's time, not when the window closed
        }
        await sleep(1300);
        const events = await finish(opened, site);
        expect(
          events.filter((e) => e.kind === 'click'),
          site,
        ).toHaveLength(1);
        expect(
          events.filter((e) => e.kind === 'dead'),
          site,
        ).toHaveLength(dead);
      }),
    );
  });
});
