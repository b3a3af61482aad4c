/**
 * The viewer end to end in a real Chromium: a tracked page with the real snippet sends clicks,
 * moves and scroll depths through the real handler; the viewer (served by the same handler,
 * behind a bearer token) lists the page with the right count and paints every view at the
 * clicked elements, compares two periods, draws the bottom of a 60,000 px page, exports, shows
 * errors as sentences, draws clicks on the elements they hit as the page is laid out now
 * (element mode; rage and dead clicks too), and gives nothing to an unauthorized client. Also
 * takes the screenshots under packages/viewer/screenshots/ (written when missing or with
 * UPDATE_SCREENSHOTS=1).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir } from './ensure-built';
import { CHROMIUM, CHROMIUM_ARGS, type FixtureSite, startFixtureSite, TALL, TOKEN } from './fixture-site';

const haveChromium = existsSync(CHROMIUM);
const mustRun = process.env.CI === 'true';
if (!haveChromium && !mustRun) {
  console.warn(
    `\n!!! ${CHROMIUM} is missing: SKIPPING the @monkeytracker/viewer e2e tests. Install it (apt-get install chromium) or set CI=true to make its absence a failure. !!!\n`,
  );
}

const SCREENSHOTS = join(packageDir, 'screenshots');
const SCRATCH = join(tmpdir(), 'monkeytracker-viewer-screenshots');
const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const TODAY = day(Date.now());
const DESKTOP = { width: 1280, height: 800 };

let site: FixtureSite;
let browser: Browser;
/** A browser context signed in to the viewer (the token cookie of the sign-in page). */
let viewerContext: BrowserContext;

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}
type Pixel = [number, number, number, number];

/** Waits until `probe` returns something. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The total of a page in the tracker (all buckets when `bucket` is left out is not a query: bucket 4 = 1200–1399 px). */
async function total(
  url: string,
  kind: 'click' | 'scroll' | 'move' | 'rage' | 'dead',
  from = TODAY,
  to = TODAY,
  bucket = 4,
) {
  return (await site.tracker.query({ url, kind, bucket, from, to })).total;
}

/**
 * The page rectangle (page px) of every `[data-target]` of a document: a function as source
 * text, evaluated in the browser (the test's own functions may carry transpiler helpers).
 */
const TARGETS_OF = `(doc) => {
  const out = {};
  const w = doc.defaultView;
  for (const el of doc.querySelectorAll('[data-target]')) {
    const r = el.getBoundingClientRect();
    out[el.dataset.target] = { x: r.left + w.scrollX, y: r.top + w.scrollY, w: r.width, h: r.height };
  }
  return out;
}`;

const centre = (r: Rect) => ({ x: r.x + r.w / 2, y: r.y + r.h / 2 });

/** Opens a tracked page in a fresh context (optionally with the clock set back), runs `act`, then leaves it. */
async function visit(
  path: string,
  act: (page: Page) => Promise<void>,
  options: {
    viewport?: { width: number; height: number };
    daysAgo?: number;
    setup?: (context: BrowserContext) => Promise<void>;
  } = {},
): Promise<void> {
  const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP });
  await options.setup?.(context);
  if (options.daysAgo) {
    await context.addInitScript((shift: number) => {
      const now = Date.now;
      Date.now = () => now() - shift;
    }, options.daysAgo * DAY);
  }
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${site.url}${path}`);
  await page.waitForFunction(
    () => !!(window as unknown as { MonkeyTracker?: { tracking?: unknown } }).MonkeyTracker?.tracking,
  );
  await act(page);
  await page.goto(`${site.url}/blank`); // pagehide: the view's scroll event and the rest go by sendBeacon
  expect(errors).toEqual([]);
  await context.close();
}

/** Opens the viewer (signed in) at `query`; waits until it has drawn. */
async function openViewer(query: string, viewport = DESKTOP): Promise<Page> {
  const page = await viewerContext.newPage();
  await page.setViewportSize(viewport);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(`${site.url}/mt/viewer/?${query}`);
  await page.waitForSelector('html[data-state="ready"]', { timeout: 15_000 });
  return page;
}

/** Waits for the viewer to draw again after an interaction. */
async function redrawn(page: Page, before: number): Promise<void> {
  await page.waitForFunction(
    (n) => window.monkeytrackerViewer.drawn > n && document.documentElement.dataset.state === 'ready',
    before,
    { timeout: 15_000 },
  );
}

const drawnCount = (page: Page) => page.evaluate(() => window.monkeytrackerViewer.drawn);

/** The targets of the page shown in the viewer's frame, in page px. */
function frameTargets(page: Page): Promise<Record<string, Rect>> {
  return page.evaluate(`(${TARGETS_OF})(document.querySelector('iframe.page-frame').contentDocument)`);
}

/** The heat canvas pixels at page points (page px) of a pane, scrolling the stage to each. */
function heatAt(page: Page, points: { x: number; y: number }[], pane = 0): Promise<Pixel[]> {
  return page.evaluate(
    async ({ points, pane }) => {
      const stage = window.monkeytrackerViewer.stage!;
      const out: number[][] = [];
      for (const p of points) {
        await stage.scrollToY(Math.max(0, p.y - 200));
        const canvas = document.querySelectorAll<HTMLCanvasElement>('canvas.heat')[pane]!;
        const k = stage.currentScale;
        const ratio = canvas.width / canvas.clientWidth;
        const px = Math.round(p.x * k * ratio);
        const py = Math.round((p.y - stage.originY) * k * ratio);
        out.push([...canvas.getContext('2d')!.getImageData(px, py, 1, 1).data]);
      }
      return out;
    },
    { points, pane },
  ) as Promise<Pixel[]>;
}

/** RGB of a screenshot (PNG) at CSS points, decoded in a blank page. */
async function screenshotPixels(png: Buffer, points: { x: number; y: number }[]): Promise<number[][]> {
  const page = await browser.newPage();
  const out = await page.evaluate(
    async ({ data, points }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${data}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      return points.map((p) =>
        [...ctx.getImageData(Math.round(p.x), Math.round(p.y), 1, 1).data].slice(0, 3),
      );
    },
    { data: png.toString('base64'), points },
  );
  await page.close();
  return out;
}

/** Saves a screenshot of the viewer page under screenshots/ (when missing or UPDATE_SCREENSHOTS=1). */
async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCRATCH, { recursive: true });
  const file = join(SCRATCH, `${name}.png`);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: file });
  expect(statSync(file).size).toBeLessThan(600 * 1024);
  const committed = join(SCREENSHOTS, `${name}.png`);
  if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(committed)) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    copyFileSync(file, committed);
  }
}

/** The layout page as recorded: 1,380 px wide, in the same bucket (1200–1399 px) as the viewer's 1,280 px Desktop. */
const RECORDED = { width: 1380, height: 800 };
/** Clicks on the layout page's buttons (made in rounds: never 3 on one spot within a second). */
const LAYOUT_CLICKS: Record<string, number> = { 'plan-a': 6, 'plan-b': 4, signup: 3, legacy: 2 };
/** The selector the snippet names each target of the layout page by. */
const SELECTOR_OF: Record<string, string> = {
  'plan-a': '[data-mt="plan-a"]',
  'plan-b': '[data-mt="plan-b"]',
  signup: '#signup',
  legacy: '[data-mt="legacy"]',
  menu: '[data-mt="menu"]',
  download: '[data-mt="download"]',
  p: 'body>main>p',
};
const LAYOUT_SELECTORS = SELECTOR_OF;
/** Every click on the layout page, per target: the rounds, 3 on the sticky header, the rage burst (3), the dead click (1). */
const EXPECTED_ELEMENTS: Record<string, number> = { ...LAYOUT_CLICKS, menu: 3, download: 3, p: 1 };
const LAYOUT_TOTAL = Object.values(EXPECTED_ELEMENTS).reduce((a, b) => a + b, 0);
/** Where the rage click was made (page px, on the first layout). */
let rageClickPoint: { x: number; y: number } | undefined;

/** The page rectangles of the layout page's targets: `[data-mt]` by name, `signup`, the paragraph `p`. */
const MT_TARGETS_OF = `(doc) => {
  const out = {};
  const w = doc.defaultView;
  const add = (id, el) => {
    if (!el) return;
    const r = el.getBoundingClientRect();
    out[id] = { x: r.left + w.scrollX, y: r.top + w.scrollY, w: r.width, h: r.height };
  };
  for (const el of doc.querySelectorAll('[data-mt]')) add(el.dataset.mt, el);
  add('signup', doc.getElementById('signup'));
  add('p', doc.querySelector('main > p'));
  return out;
}`;

/** Screenshots `name-1280` and `name-390` of the viewer page, the stage at its top. */
async function shootBoth(page: Page, name: string): Promise<void> {
  for (const viewport of [DESKTOP, { width: 390, height: 844 }]) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(150);
    await page.evaluate(() => window.monkeytrackerViewer.stage!.scrollToY(0));
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, `${name} at ${viewport.width} px: nothing wider than the window`).toBeLessThanOrEqual(0);
    await shoot(page, `${name}-${viewport.width}`);
  }
  await page.setViewportSize(DESKTOP);
}

/** 3 fast clicks on the download button (a rage click), then a click on the plain paragraph (a dead click). */
async function rageAndDead(page: Page): Promise<void> {
  const download = ((await page.evaluate(`(${MT_TARGETS_OF})(document)`)) as Record<string, Rect>).download!;
  rageClickPoint = centre(download);
  for (let i = 0; i < 3; i++) {
    await page.locator('[data-mt="download"]').click();
    await page.waitForTimeout(100);
  }
  await page.waitForTimeout(1100);
  await page.locator('main > p').click();
  await page.waitForTimeout(1300); // the snippet decides after 1 s that nothing changed
}

describe.skipIf(!haveChromium && !mustRun)('@monkeytracker/viewer in Chromium', () => {
  beforeAll(async () => {
    ensureBuilt();
    site = await startFixtureSite();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
    viewerContext = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    await viewerContext.addCookies([
      { name: 'monkeytracker_token', value: TOKEN, url: `${site.url}/mt`, sameSite: 'Strict' },
    ]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('gives nothing to unauthorized clients: a sign-in page without data, 401 / 403 from the API', async () => {
    site.tracker.track({ kind: 'click', url: '/checkout', x: 10, y: 10, vw: 1280, vh: 800 });
    const html = await fetch(`${site.url}/mt/viewer/`, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(401);
    const body = await html.text();
    expect(body).toContain('Read token');
    expect(body).not.toMatch(/checkout|\/mt\b|heatmap\?|app-[0-9a-f]+\.js/);
    for (const path of [
      '/mt/config',
      '/mt/pages?kind=click',
      `/mt/heatmap?url=/&kind=click&from=${TODAY}&to=${TODAY}`,
    ]) {
      const none = await fetch(`${site.url}${path}`);
      expect(none.status, path).toBe(401);
      expect(await none.text()).not.toContain('checkout');
      const wrong = await fetch(`${site.url}${path}`, {
        headers: { authorization: 'Bearer not-the-token-000000000' },
      });
      expect(wrong.status, path).toBe(403);
    }
    const manifest = JSON.parse(readFileSync(join(packageDir, 'dist/app/manifest.json'), 'utf8')) as {
      entry: { js: string };
    };
    expect((await fetch(`${site.url}/mt/viewer/${manifest.entry.js}`)).status).toBe(401);

    // A browser without the cookie: the form; a wrong token is refused; the right one signs in.
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${site.url}/mt/viewer/?kind=click`);
    await page.fill('#token', 'not-the-token-000000000');
    await page.press('#token', 'Enter');
    await page.waitForSelector('#error:not([hidden])');
    await shoot(page, 'sign-in-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, 'sign-in-390');
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.waitForSelector('html[data-state="ready"], html[data-state="empty"]', { timeout: 15_000 });
    expect(errors).toEqual([]); // the inline script ran under the page's CSP
    await context.close();
  }, 60_000);

  it('real clicks, moves and a scroll come back painted at the clicked elements in every view; the page list counts them', async () => {
    let tracked: Record<string, Rect> = {};
    await visit('/shop', async (page) => {
      tracked = await page.evaluate(`(${TARGETS_OF})(document)`);
      for (let i = 0; i < 5; i++) await page.click('[data-target="cta"]'); // a hot spot
      for (const t of ['nav-pricing', 'plan-2', 'demo']) await page.click(`[data-target="${t}"]`); // single clicks: dark, dark, light
      // Moves across the demo button (the snippet records one per 40 ms at most).
      const demo = tracked.demo!;
      await page.evaluate(() => window.scrollTo(0, 0));
      for (let i = 0; i <= 8; i++) {
        await page.mouse.move(demo.x + 20 + i * 22, demo.y + demo.h / 2);
        await page.waitForTimeout(60);
      }
      await page.evaluate(() => window.scrollTo(0, 700)); // deepest point: 700 + 800 = 1,500 px
      await page.waitForTimeout(100);
    });
    await waitFor('the clicks, moves and scroll', async () =>
      (await total('/shop', 'click')) >= 8 &&
      (await total('/shop', 'scroll')) >= 1 &&
      (await total('/shop', 'move')) >= 5
        ? true
        : undefined,
    );
    const clicks = await total('/shop', 'click');
    const moves = await total('/shop', 'move');
    expect(clicks).toBe(8);
    const depth = (
      await site.tracker.query({ url: '/shop', kind: 'scroll', bucket: 4, from: TODAY, to: TODAY })
    ).cells[0]!.y;
    expect(depth).toBe(1500);

    const page = await openViewer(`page=/shop&kind=click&bucket=4&from=${TODAY}&to=${TODAY}`);
    // The page list: the page, with its count.
    const row = page.locator('.page-item', { has: page.locator('.page-url', { hasText: /^\/shop$/ }) });
    await expect.poll(() => row.locator('.page-count').textContent()).toBe('8');
    expect(await page.locator('.devices button[aria-pressed="true"]').textContent()).toContain('1280 px · 8');

    // Click view: heat at each clicked element (as laid out in the viewer's frame), none far away.
    const targets = await frameTargets(page);
    for (const [id, r] of Object.entries(tracked)) {
      expect(
        Math.abs(targets[id]!.x - r.x) + Math.abs(targets[id]!.y - r.y),
        `${id} where it was clicked`,
      ).toBeLessThan(1);
    }
    const ids = ['cta', 'nav-pricing', 'plan-2', 'demo'];
    const at = await heatAt(
      page,
      ids.map((id) => centre(targets[id]!)),
    );
    at.forEach((p, i) => {
      expect(p[3], `heat at ${ids[i]}`).toBeGreaterThan(100);
    });
    const far = await heatAt(page, [
      centre(targets['faq-4']!),
      centre(targets['plan-3']!),
      centre(targets['footer-contact']!),
    ]);
    for (const p of far) expect(p[3]).toBe(0);

    // A single click reads on a dark section (plan-2) and a light one (demo): the screen with the
    // heat differs clearly from the screen without it, beside a 5-click hot spot.
    for (const id of ['plan-2', 'demo']) {
      const point = centre(targets[id]!);
      const screen = await page.evaluate(async (p) => {
        const stage = window.monkeytrackerViewer.stage!;
        await stage.scrollToY(Math.max(0, p.y - 200));
        const canvas = document.querySelector<HTMLCanvasElement>('canvas.heat')!;
        const r = canvas.getBoundingClientRect();
        return {
          x: r.left + p.x * stage.currentScale,
          y: r.top + (p.y - stage.originY) * stage.currentScale,
        };
      }, point);
      const withHeat = await page.screenshot();
      await page.evaluate(() =>
        document.querySelector<HTMLCanvasElement>('canvas.heat')!.style.setProperty('visibility', 'hidden'),
      );
      const without = await page.screenshot();
      await page.evaluate(() =>
        document.querySelector<HTMLCanvasElement>('canvas.heat')!.style.removeProperty('visibility'),
      );
      const [[a], [b]] = [
        await screenshotPixels(withHeat, [screen]),
        await screenshotPixels(without, [screen]),
      ];
      const distance = Math.hypot(a![0]! - b![0]!, a![1]! - b![1]!, a![2]! - b![2]!);
      expect(distance, `${id}: ${a} over ${b}`).toBeGreaterThan(90);
    }

    // Hover: the count under the pointer (the canvas catches the pointer, not the page).
    const cta = centre(targets.cta!);
    const point = await page.evaluate(async (p) => {
      const stage = window.monkeytrackerViewer.stage!;
      await stage.scrollToY(0);
      const r = document.querySelector('canvas.heat')!.getBoundingClientRect();
      return { x: r.left + p.x * stage.currentScale, y: r.top + p.y * stage.currentScale };
    }, cta);
    await page.mouse.move(point.x, point.y);
    await expect.poll(() => page.locator('.tooltip').textContent()).toMatch(/^5 clicks here.*62\.5 % of 8$/);
    // The wheel over the heat scrolls the page.
    await page.mouse.wheel(0, 400);
    await expect
      .poll(() => page.evaluate(() => window.monkeytrackerViewer.stage!.originY))
      .toBeGreaterThan(100);

    // Move view, reached with the keyboard: Tab to "Moves", Enter.
    let before = await drawnCount(page);
    await page.locator('button', { hasText: /^Moves$/ }).focus();
    await page.keyboard.press('Enter');
    await redrawn(page, before);
    expect(page.url()).toContain('kind=move');
    const demo = targets.demo!;
    const moved = await heatAt(page, [{ x: demo.x + 90, y: demo.y + demo.h / 2 }, centre(targets['faq-3']!)]);
    expect(moved[0]![3]).toBeGreaterThan(100);
    expect(moved[1]![3]).toBe(0);
    expect(await page.locator('.summary').textContent()).toContain(`${moves} moves`);

    // Scroll view: the share of page views that reached each depth, down to 1,500 px and no further.
    before = await drawnCount(page);
    await page.locator('button', { hasText: /^Scroll$/ }).click();
    await redrawn(page, before);
    const reach = await heatAt(page, [
      { x: 640, y: 300 },
      { x: 640, y: 1400 },
      { x: 640, y: 1600 },
    ]);
    expect(reach[0]![3]).toBeGreaterThan(0);
    expect(reach[1]![3]).toBeGreaterThan(0);
    expect(reach[2]![3]).toBe(0);
    expect(await page.locator('.summary').textContent()).toMatch(
      /^1 page view · Desktop 1200–1399 px · fold/,
    );
    await page.evaluate(() => window.monkeytrackerViewer.stage!.scrollToY(1000));
    const canvasBox = (await page.locator('canvas.heat').boundingBox())!;
    const { scale, originY } = await page.evaluate(() => ({
      scale: window.monkeytrackerViewer.stage!.currentScale,
      originY: window.monkeytrackerViewer.stage!.originY,
    }));
    await page.mouse.move(canvasBox.x + 300, canvasBox.y + (depth - 50 - originY) * scale);
    await expect
      .poll(() => page.locator('.tooltip').textContent())
      .toMatch(/^100 % of page views reached 1,4\d\d px/);
    await page.mouse.move(canvasBox.x + 300, canvasBox.y + (depth + 60 - originY) * scale);
    await expect
      .poll(() => page.locator('.tooltip').textContent())
      .toMatch(/^0 % of page views reached 1,5\d\d px/);
    await page.evaluate(() => window.monkeytrackerViewer.stage!.scrollToY(0));
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();

    // Looking added nothing: the frame is the viewer's preview frame, where the snippet is off.
    expect(await total('/shop', 'click')).toBe(8);
    expect(await total('/shop', 'scroll')).toBe(1);
  }, 60_000);

  it('compares two periods normalised by their totals: more heat where the second period had more clicks', async () => {
    const earlier = day(Date.now() - 10 * DAY);
    // The baseline, 10 days ago (the browser's clock set back): 3 clicks on each button.
    await visit(
      '/compare',
      async (page) => {
        for (let i = 0; i < 3; i++) {
          await page.click('[data-target="cta"]');
          await page.click('[data-target="demo"]');
        }
      },
      { daysAgo: 10 },
    );
    // Today: twice the traffic, most of it on the demo button.
    await visit('/compare', async (page) => {
      await page.click('[data-target="cta"]');
      for (let i = 0; i < 6; i++) await page.click('[data-target="demo"]');
    });
    await waitFor('both periods', async () =>
      (await total('/compare', 'click')) === 7 && (await total('/compare', 'click', earlier, earlier)) === 6
        ? true
        : undefined,
    );
    const page = await openViewer(
      `page=/compare&kind=click&bucket=4&from=${TODAY}&to=${TODAY}&compare=diff&cfrom=${earlier}&cto=${earlier}`,
    );
    const targets = await frameTargets(page);
    const [cta, demo] = await heatAt(page, [centre(targets.cta!), centre(targets.demo!)]);
    // Demo: 6/7 of today's clicks against 3/6 before → red; the trial button: 1/7 against 3/6 → blue.
    expect(demo![3]).toBeGreaterThan(80);
    expect(demo![0]).toBeGreaterThan(demo![2]! + 60);
    expect(cta![3]).toBeGreaterThan(40);
    expect(cta![2]).toBeGreaterThan(cta![0]! + 60);
    const box = (await page.locator('canvas.heat').boundingBox())!;
    const scale = await page.evaluate(() => window.monkeytrackerViewer.stage!.currentScale);
    const originY = await page.evaluate(() => window.monkeytrackerViewer.stage!.originY);
    const d = centre(targets.demo!);
    await page.mouse.move(box.x + d.x * scale, box.y + (d.y - originY) * scale);
    await expect.poll(() => page.locator('.tooltip').textContent()).toMatch(/^\+71 % of clicks here/);
    expect(await page.locator('.legend figcaption').textContent()).toContain('this period vs the baseline');

    // Side by side: two panes on one scale (share of each period's clicks).
    const before = await drawnCount(page);
    await page.locator('button', { hasText: 'Side by side' }).click();
    await redrawn(page, before);
    expect(await page.locator('canvas.heat').count()).toBe(2);
    const now = await heatAt(page, [centre(targets.demo!)], 0);
    const then = await heatAt(page, [centre(targets.demo!)], 1);
    // Colour tells the share: the demo button is the hottest spot today (red), lukewarm before (yellow-green).
    expect(now[0]![0]).toBeGreaterThan(now[0]![1]! + 60);
    expect(then[0]![1]).toBeGreaterThan(then[0]![0]!);
    expect(await page.locator('.caption').first().textContent()).toContain('7 clicks');
    expect(await page.locator('.caption').nth(1).textContent()).toContain('6 clicks');
    await page.close();
  }, 60_000);

  it('a 60,000 px page draws at its top, middle and bottom, each redraw about as fast', async () => {
    await visit('/tall', async (page) => {
      for (const id of ['top', 'middle', 'bottom']) await page.click(`[data-target="${id}"]`);
    });
    await waitFor('3 clicks on the tall page', async () =>
      (await total('/tall', 'click')) >= 3 ? true : undefined,
    );
    const page = await openViewer(`page=/tall&kind=click&bucket=4&from=${TODAY}&to=${TODAY}`);
    expect(await page.evaluate(() => window.monkeytrackerViewer.stage!.pageHeight)).toBe(TALL);
    const targets = await frameTargets(page);
    const at = await heatAt(
      page,
      ['top', 'middle', 'bottom'].map((id) => centre(targets[id]!)),
    );
    for (const p of at) expect(p[3]).toBeGreaterThan(100);
    expect(targets.bottom!.y).toBeGreaterThan(59_000);
    // The canvas stays the size of the view; redraw times at each depth (median of 15).
    const times = await page.evaluate(async () => {
      const stage = window.monkeytrackerViewer.stage!;
      const canvas = document.querySelector<HTMLCanvasElement>('canvas.heat')!;
      const out: Record<string, number> = { canvasHeight: canvas.height };
      for (const [name, y] of [
        ['top', 0],
        ['middle', 30_000],
        ['bottom', 59_500],
      ] as const) {
        const ms: number[] = [];
        for (let i = 0; i < 15; i++) {
          await stage.scrollToY(y + (i % 2) * 40);
          ms.push(stage.lastPaintMs);
        }
        out[name] = ms.sort((a, b) => a - b)[7]!;
      }
      return out;
    });
    console.log(
      `[viewer] 60,000 px page, redraw median: top ${times.top!.toFixed(2)} ms, middle ${times.middle!.toFixed(2)} ms, bottom ${times.bottom!.toFixed(2)} ms`,
    );
    expect(times.canvasHeight).toBeLessThanOrEqual(800);
    for (const name of ['top', 'middle', 'bottom']) expect(times[name]).toBeLessThan(50);
    await page.close();
  }, 60_000);

  it('exports the heat layer as PNG and the data as CSV and JSON', async () => {
    const page = await openViewer(`page=/shop&kind=click&bucket=4&from=${TODAY}&to=${TODAY}`);
    const height = await page.evaluate(() => window.monkeytrackerViewer.stage!.pageHeight);
    const take = async (label: string) => {
      await page.locator('summary', { hasText: 'Export' }).click();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('button', { hasText: label }).click(),
      ]);
      return { name: download.suggestedFilename(), body: readFileSync((await download.path())!) };
    };
    const csv = await take('Data (CSV)');
    expect(csv.name).toBe(`monkeytracker-shop-click-1280px-${TODAY}_${TODAY}.csv`);
    const lines = csv.body.toString('utf8').trim().split('\n');
    expect(lines[0]).toBe('x,y,count,share');
    expect(lines[1]).toMatch(/^\d+,\d+,5,0\.625$/);
    expect(lines.slice(1).reduce((sum, l) => sum + Number(l.split(',')[2]), 0)).toBe(8);
    const json = JSON.parse((await take('Data (JSON)')).body.toString('utf8'));
    expect(json).toMatchObject({
      page: '/shop',
      kind: 'click',
      bucket: 4,
      width: 1280,
      from: TODAY,
      heatmap: { total: 8 },
    });
    const png = (await take('Heatmap layer (PNG)')).body;
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, height]); // the whole page, full size
    await page.close();
  }, 60_000);

  it('shows errors as sentences: a page that answers 404; storage down, then back (503 + Retry-After)', async () => {
    const page = await openViewer(`page=/no-such-page&kind=click&bucket=4&from=${TODAY}&to=${TODAY}`);
    await expect
      .poll(() => page.locator('.notice').textContent())
      .toMatch(/^The page answered 404 at http:\/\/127\.0\.0\.1:\d+\/no-such-page/);
    expect(await page.locator('.summary').textContent()).toMatch(/^No clicks on this page/);
    // Storage goes down: the viewer says so and retries after Retry-After; it comes back by itself.
    site.storage.down = true;
    try {
      await page.locator('button', { hasText: /^Scroll$/ }).click();
      await page.waitForSelector('html[data-state="error"]');
      expect(await page.locator('.notice').textContent()).toBe(
        'The tracker is busy or its storage is not answering. Retrying…',
      );
    } finally {
      site.storage.down = false;
    }
    await page.waitForSelector('html[data-state="ready"]', { timeout: 10_000 });
    expect(await page.locator('.notice').textContent()).toMatch(/^The page answered 404/);
    await page.close();
  }, 60_000);

  it('element mode: real clicks land on each element as the page is laid out now, missing ones where they were; the top list and highlight', async () => {
    // Recorded at 1,380 px (bucket 4, 1200–1399) on the first layout.
    let recorded: Record<string, Rect> = {};
    await visit(
      '/layout',
      async (page) => {
        recorded = await page.evaluate(`(${MT_TARGETS_OF})(document)`);
        // Round robin, 600 ms a round: never 3 clicks on one spot within a second (that is a rage click).
        for (let round = 0; round < 6; round++) {
          const started = Date.now();
          for (const [target, n] of Object.entries(LAYOUT_CLICKS))
            if (round < n) await page.click(LAYOUT_SELECTORS[target]!);
          await page.waitForTimeout(Math.max(0, 600 - (Date.now() - started)));
        }
        // The sticky header at three scroll depths (the snippet sends its clicks in viewport px).
        for (const depth of [0, 700, 1400]) {
          await page.evaluate((y) => window.scrollTo(0, y), depth);
          await page.waitForTimeout(550);
          await page.click('[data-mt="menu"]');
        }
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.waitForTimeout(1100);
        // A rage click (3 fast clicks on a button that does nothing), then a dead one (a paragraph).
        await rageAndDead(page);
      },
      { viewport: RECORDED },
    );
    await waitFor(
      'the layout page clicks, rage and dead clicks',
      async () =>
        (await total('/layout', 'click')) >= LAYOUT_TOTAL &&
        (await total('/layout', 'rage')) >= 1 &&
        (await total('/layout', 'dead')) >= 1
          ? true
          : undefined,
      15_000,
    );
    expect(await total('/layout', 'click')).toBe(LAYOUT_TOTAL);
    expect(await total('/layout', 'rage')).toBe(1);
    expect(await total('/layout', 'dead')).toBe(1);

    // The viewer shows the changed layout (banner above, cards swapped, "legacy" removed) at 1,280 px.
    await viewerContext.addCookies([{ name: 'mt_layout', value: 'changed', url: site.url }]);
    try {
      const page = await openViewer(
        `page=/layout&kind=click&mode=element&bucket=4&from=${TODAY}&to=${TODAY}`,
      );
      expect(page.url()).toContain('mode=element');
      const now: Record<string, Rect> = await page.evaluate(
        `(${MT_TARGETS_OF})(document.querySelector('iframe.page-frame').contentDocument)`,
      );
      expect(now.legacy).toBeUndefined();
      expect(now['plan-a']!.x - recorded['plan-a']!.x).toBeGreaterThan(400); // swapped to the right
      expect(now['plan-a']!.y - recorded['plan-a']!.y).toBe(150); // below the banner
      expect(now['plan-b']!.x).toBeLessThan(recorded['plan-b']!.x - 400);
      expect(now['plan-a']!.w).toBeLessThan(recorded['plan-a']!.w - 20); // narrower

      // Element mode: heat on each element's new box, none where the elements were.
      const moved = ['plan-a', 'plan-b', 'signup', 'download', 'p'];
      const hot = await heatAt(
        page,
        moved.map((id) => centre(now[id]!)),
      );
      for (const [i, p] of hot.entries())
        expect(p[3], `element mode: heat on ${moved[i]}'s new box`).toBeGreaterThan(100);
      const old = await heatAt(
        page,
        ['plan-a', 'plan-b', 'signup', 'download'].map((id) => centre(recorded[id]!)),
      );
      for (const [i, p] of old.entries())
        expect(p[3], `element mode: no heat at ${moved[i]}'s old place`).toBe(0);
      // The removed element: at the box it had when clicked, and the UI says so with the numbers.
      const [legacy] = await heatAt(page, [centre(recorded.legacy!)]);
      expect(legacy![3], 'the removed element at its fallback box').toBeGreaterThan(100);
      expect(await page.locator('.notice.info').textContent()).toBe(
        '1 of 7 elements is not on the page now; its 2 clicks are drawn where it was.',
      );
      expect(await page.locator('.summary').textContent()).toMatch(
        /^22 clicks on 7 elements · Desktop 1200–1399 px · 1 rage · 1 dead/,
      );

      // The sticky header's heat stays on the header at every scroll depth of the stage.
      for (const depth of [0, 600, 1300]) {
        const pixel = await page.evaluate(async (y) => {
          const stage = window.monkeytrackerViewer.stage!;
          await stage.scrollToY(y);
          const doc = document.querySelector('iframe.page-frame') as HTMLIFrameElement;
          const r = doc.contentDocument!.querySelector('[data-mt="menu"]')!.getBoundingClientRect();
          const canvas = document.querySelector<HTMLCanvasElement>('canvas.heat')!;
          const k = stage.currentScale * (canvas.width / canvas.clientWidth);
          const at = (x: number, yy: number) => [
            ...canvas.getContext('2d')!.getImageData(Math.round(x * k), Math.round(yy * k), 1, 1).data,
          ];
          return {
            origin: stage.originY,
            on: at(r.left + r.width / 2, r.top + r.height / 2),
            below: at(r.left + r.width / 2, r.bottom + 60),
          };
        }, depth);
        expect(pixel.origin).toBeCloseTo(depth, 0);
        expect(pixel.on[3], `the header's heat at stage depth ${depth}`).toBeGreaterThan(100);
        expect(pixel.below[3], `nothing below the header at depth ${depth}`).toBe(0);
      }

      // Hover: the element under the pointer, its clicks and share.
      const point = await page.evaluate(async (p) => {
        const stage = window.monkeytrackerViewer.stage!;
        await stage.scrollToY(0);
        const r = document.querySelector('canvas.heat')!.getBoundingClientRect();
        return { x: r.left + p.x * stage.currentScale, y: r.top + p.y * stage.currentScale };
      }, centre(now['plan-a']!));
      await page.mouse.move(point.x, point.y);
      await expect.poll(() => page.locator('.tooltip').textContent()).toBe('6 clicks on plan-a27.3 % of 22');
      await page.mouse.move(0, 0);
      // Export: the elements as CSV, with the box each is drawn at.
      await page.locator('summary', { hasText: 'Export' }).click();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('button', { hasText: 'Data (CSV)' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(
        `monkeytracker-layout-click-elements-1280px-${TODAY}_${TODAY}.csv`,
      );
      const csv = readFileSync((await download.path())!, 'utf8')
        .trim()
        .split('\n');
      expect(csv[0]).toBe('selector,count,share,x,y,width,height,on_page');
      expect(csv[1]).toMatch(/^"\[data-mt=""plan-a""\]",6,0\.272727,\d/);
      expect(csv[1]!.endsWith(',true')).toBe(true);
      expect(csv.find((l) => l.includes('legacy'))!.endsWith(',false')).toBe(true);
      expect(csv).toHaveLength(8);

      // The top elements: the exact counts of the clicks made, per selector.
      const rows = await page
        .locator('.element-item')
        .evaluateAll((items) =>
          items.map((b) => [
            (b as HTMLElement).dataset.selector,
            Number(b.querySelector('.element-count')!.textContent!.replace(/,/g, '')),
            b.querySelector('.element-share')!.textContent,
          ]),
        );
      expect(Object.fromEntries(rows.map(([sel, n]) => [sel, n]))).toEqual(
        Object.fromEntries(
          Object.entries(EXPECTED_ELEMENTS).map(([id, n]) => [SELECTOR_OF[id]!, n] as const),
        ),
      );
      expect(rows[0]).toEqual(['[data-mt="plan-a"]', 6, '27 %']);
      expect(await page.locator('.element-item').first().getAttribute('title')).toBe('[data-mt="plan-a"]');
      expect(await page.locator('.element-item', { hasText: 'legacy' }).textContent()).toContain(
        'not on the page',
      );

      // Pressing an entry outlines the element (its current box) and brings it into view.
      await page.evaluate(() => window.monkeytrackerViewer.stage!.scrollToY(1500));
      await page.locator('.element-item', { hasText: 'plan-a' }).click();
      expect(await page.locator('.element-item[aria-pressed="true"]').getAttribute('data-selector')).toBe(
        '[data-mt="plan-a"]',
      );
      /** Whether a white outline runs just left of `r` (a band 16 page px wide), and the stage's window. */
      const edge = async (r: Rect) =>
        page.evaluate(async (r) => {
          await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
          const stage = window.monkeytrackerViewer.stage!;
          const canvas = document.querySelector<HTMLCanvasElement>('canvas.heat')!;
          const k = stage.currentScale * (canvas.width / canvas.clientWidth);
          const x0 = Math.max(0, Math.round((r.x - 16) * k));
          const y0 = Math.round((r.y - stage.originY) * k);
          const band = canvas
            .getContext('2d')!
            .getImageData(x0, y0, Math.round(r.x * k) - x0, Math.round(r.h * k)).data;
          let white = false;
          for (let i = 0; i < band.length; i += 4)
            if (band[i]! > 220 && band[i + 1]! > 220 && band[i + 2]! > 220 && band[i + 3]! > 200)
              white = true;
          return { origin: stage.originY, view: stage.viewHeight, white, far: band[3] };
        }, r);
      const a = now['plan-a']!;
      const lit = await edge(a);
      expect(a.y).toBeGreaterThanOrEqual(lit.origin); // scrolled to it
      expect(a.y + a.h).toBeLessThanOrEqual(lit.origin + lit.view);
      expect(lit.white, 'plan-a is outlined').toBe(true);
      expect(lit.far).toBe(0);
      // The removed one: outlined at its fallback box.
      await page.locator('.element-item', { hasText: 'legacy' }).press('Enter');
      const gone = await edge(recorded.legacy!);
      expect(gone.white, 'the fallback box is outlined').toBe(true);
      // Pressing it again lets go.
      await page.locator('.element-item[aria-pressed="true"]').click();
      expect(await page.locator('.element-item[aria-pressed="true"]').count()).toBe(0);

      // Page position: the heat where the buttons were when clicked, none on their new boxes.
      const before = await drawnCount(page);
      await page.locator('button', { hasText: /^Page position$/ }).click();
      await redrawn(page, before);
      expect(page.url()).not.toContain('mode=element');
      const wasHere = await heatAt(
        page,
        ['plan-a', 'plan-b', 'signup'].map((id) => centre(recorded[id]!)),
      );
      for (const p of wasHere) expect(p[3]).toBeGreaterThan(100);
      const notHere = await heatAt(
        page,
        ['plan-a', 'plan-b', 'signup'].map((id) => centre(now[id]!)),
      );
      for (const p of notHere) expect(p[3]).toBe(0);
      expect(await page.locator('.element-item').count()).toBe(0);
      expect((page as Page & { errors: string[] }).errors).toEqual([]);
      await page.close();
    } finally {
      await viewerContext.clearCookies({ name: 'mt_layout' });
    }
  }, 60_000);

  it('rage and dead clicks: their own maps and counts, on the page and on elements; screenshots', async () => {
    // The clicks of the test above (1 rage click on "download", 1 dead click on the paragraph).
    await viewerContext.addCookies([{ name: 'mt_layout', value: 'changed', url: site.url }]);
    try {
      const query = `page=/layout&bucket=4&from=${TODAY}&to=${TODAY}`;
      const page = await openViewer(`${query}&kind=click&mode=element`);
      const kindButton = (label: string) => page.locator('.kinds button', { hasText: label });
      await expect.poll(() => kindButton('Rage clicks').textContent()).toBe('Rage clicks 1');
      expect(await kindButton('Dead clicks').textContent()).toBe('Dead clicks 1');
      expect(await kindButton('Clicks').first().textContent()).toBe(`Clicks ${LAYOUT_TOTAL}`);
      const now: Record<string, Rect> = await page.evaluate(
        `(${MT_TARGETS_OF})(document.querySelector('iframe.page-frame').contentDocument)`,
      );

      // Rage clicks, on elements: one, on the download button's new box.
      let before = await drawnCount(page);
      await kindButton('Rage clicks').click();
      await redrawn(page, before);
      expect(page.url()).toContain('kind=rage');
      expect(page.url()).toContain('mode=element');
      expect(await page.locator('.summary').textContent()).toMatch(/^1 rage click on 1 element · Desktop/);
      expect(await page.locator('.elements h2').textContent()).toContain('Most rage-clicked elements');
      expect(
        await page
          .locator('.element-item')
          .evaluateAll((b) =>
            b.map(
              (x) =>
                `${(x as HTMLElement).dataset.selector} ${x.querySelector('.element-count')!.textContent}`,
            ),
          ),
      ).toEqual(['[data-mt="download"] 1']);
      const [rage] = await heatAt(page, [centre(now.download!)]);
      expect(rage![3]).toBeGreaterThan(100);
      // … and in page position: where it was clicked.
      before = await drawnCount(page);
      await page.locator('button', { hasText: /^Page position$/ }).click();
      await redrawn(page, before);
      const [rageThen, rageNow] = await heatAt(page, [rageClickPoint!, centre(now.download!)]);
      expect(rageThen![3]).toBeGreaterThan(100);
      expect(rageNow![3]).toBe(0);
      expect(await page.locator('.summary').textContent()).toMatch(/^1 rage click · Desktop/);
      // The screenshots in element mode, from the top: the heat on the button.
      before = await drawnCount(page);
      await page.locator('button', { hasText: /^Elements$/ }).click();
      await redrawn(page, before);
      await shootBoth(page, 'rage');

      // Dead clicks, on elements (the mode stays): the paragraph.
      before = await drawnCount(page);
      await kindButton('Dead clicks').click();
      await redrawn(page, before);
      expect(page.url()).toContain('mode=element');
      expect(await page.locator('.summary').textContent()).toMatch(/^1 dead click on 1 element · Desktop/);
      expect(
        await page
          .locator('.element-item')
          .evaluateAll((b) =>
            b.map(
              (x) =>
                `${(x as HTMLElement).dataset.selector} ${x.querySelector('.element-count')!.textContent}`,
            ),
          ),
      ).toEqual([`${SELECTOR_OF.p} 1`]);
      const [dead] = await heatAt(page, [centre(now.p!)]);
      expect(dead![3]).toBeGreaterThan(100);
      await shootBoth(page, 'dead');
      expect((page as Page & { errors: string[] }).errors).toEqual([]);
      await page.close();

      // Element mode with the list, an element highlighted, the fallback notice: 1280 and 390 px.
      for (const [viewport, bucket] of [
        [DESKTOP, 4],
        [{ width: 390, height: 844 }, 4],
      ] as const) {
        const view = await openViewer(
          `page=/layout&bucket=${bucket}&from=${TODAY}&to=${TODAY}&kind=click&mode=element`,
          viewport,
        );
        const layout = await view.evaluate(() => ({
          bar: document.querySelector('.bar')!.getBoundingClientRect().height,
          overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        }));
        expect(layout.overflow).toBeLessThanOrEqual(0);
        if (viewport.width === 1280) expect(layout.bar).toBeLessThanOrEqual(105);
        await view.evaluate(() => window.monkeytrackerViewer.stage!.scrollToY(0));
        await shoot(view, `elements-${viewport.width}`);
        await view.locator('.element-item', { hasText: 'plan-a' }).click();
        await view.waitForTimeout(100);
        await shoot(view, `element-highlight-${viewport.width}`);
        await view.locator('.element-item', { hasText: 'legacy' }).click();
        await view.waitForTimeout(100);
        await shoot(view, `element-fallback-${viewport.width}`);
        expect((view as Page & { errors: string[] }).errors).toEqual([]);
        await view.close();
      }
    } finally {
      await viewerContext.clearCookies({ name: 'mt_layout' });
    }
  }, 60_000);

  it('page mode: the heat of a sticky header rides with it at every stage depth; other heat stays put', async () => {
    // Recorded at 1,440 px (bucket 5, apart from the tests above): a card button at the top, the
    // sticky header's button at three scroll depths (sent in viewport px, so stored at the top).
    const WIDE = { width: 1440, height: 800 };
    await visit(
      '/layout',
      async (page) => {
        await page.click('[data-mt="plan-a"]');
        for (const depth of [0, 700, 1400]) {
          await page.evaluate((y) => window.scrollTo(0, y), depth);
          await page.waitForTimeout(520); // 3 clicks on one spot within 1 s would be a rage click
          await page.click('[data-mt="menu"]');
        }
      },
      { viewport: WIDE },
    );
    await waitFor(
      'the sticky header clicks',
      async () => ((await total('/layout', 'click', TODAY, TODAY, 5)) >= 4 ? true : undefined),
      10_000,
    );
    const page = await openViewer(`page=/layout&kind=click&bucket=5&from=${TODAY}&to=${TODAY}`);
    expect(page.url()).not.toContain('mode=element');
    // As stored: the header's clicks at the top of the page (where it is at scroll 0).
    const stored = await page.evaluate(() => {
      const h = window.monkeytrackerViewer.heatmap as { cells: { y: number; count: number }[] };
      return h.cells.filter((c) => c.y < 64).reduce((n, c) => n + c.count, 0);
    });
    expect(stored).toBe(3);
    const now: Record<string, Rect> = await page.evaluate(
      `(${MT_TARGETS_OF})(document.querySelector('iframe.page-frame').contentDocument)`,
    );
    for (const depth of [0, 600, 1300]) {
      const pixel = await page.evaluate(async (y) => {
        const stage = window.monkeytrackerViewer.stage!;
        await stage.scrollToY(y);
        const doc = (document.querySelector('iframe.page-frame') as HTMLIFrameElement).contentDocument!;
        const r = doc.querySelector('[data-mt="menu"]')!.getBoundingClientRect();
        const canvas = document.querySelector<HTMLCanvasElement>('canvas.heat')!;
        const k = stage.currentScale * (canvas.width / canvas.clientWidth);
        const at = (x: number, yy: number) => [
          ...canvas.getContext('2d')!.getImageData(Math.round(x * k), Math.round(yy * k), 1, 1).data,
        ];
        const box = canvas.getBoundingClientRect();
        return {
          origin: stage.originY,
          on: at(r.left + r.width / 2, r.top + r.height / 2),
          below: at(r.left + r.width / 2, r.bottom + 60),
          client: {
            x: box.left + (r.left + r.width / 2) * stage.currentScale,
            y: box.top + (r.top + r.height / 2) * stage.currentScale,
          },
        };
      }, depth);
      expect(pixel.origin).toBeCloseTo(depth, 0);
      expect(pixel.on[3], `page mode: the header's heat at stage depth ${depth}`).toBeGreaterThan(100);
      expect(pixel.below[3], `page mode: nothing below the header at depth ${depth}`).toBe(0);
      if (depth === 1300) {
        // The hover reads the heat where it is drawn.
        await page.mouse.move(pixel.client.x, pixel.client.y);
        await expect.poll(() => page.locator('.tooltip strong').textContent()).toBe('3 clicks here');
        await page.mouse.move(0, 0);
      }
    }
    // A DOM change while scrolled down: the header is measured again (at scroll 0, and straight
    // back); its heat stays on it and the page stays where it was.
    const again = await page.evaluate(async () => {
      const stage = window.monkeytrackerViewer.stage!;
      const frame = document.querySelector('iframe.page-frame') as HTMLIFrameElement;
      const doc = frame.contentDocument!;
      doc.querySelector('main')!.append(doc.createElement('i'));
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      const r = doc.querySelector('[data-mt="menu"]')!.getBoundingClientRect();
      const canvas = document.querySelector<HTMLCanvasElement>('canvas.heat')!;
      const k = stage.currentScale * (canvas.width / canvas.clientWidth);
      const alpha = canvas
        .getContext('2d')!
        .getImageData(Math.round((r.left + r.width / 2) * k), Math.round((r.top + r.height / 2) * k), 1, 1)
        .data[3];
      return { alpha, frameY: frame.contentWindow!.scrollY, origin: stage.originY };
    });
    expect(again.alpha, 'the header keeps its heat after a DOM change').toBeGreaterThan(100);
    expect(again.frameY).toBeCloseTo(again.origin, 0);
    // A button that is not sticky: its heat stays on its page position (the stage a little down).
    const [card] = await heatAt(page, [centre(now['plan-a']!)]);
    expect(card![3], 'page mode: the card button keeps its heat').toBeGreaterThan(100);
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('every view at 1280 and 390 px: the header fits, the 1440 view scales to fit; screenshots', async () => {
    // A month of generated traffic on "/", aimed at the page's buttons as laid out at each width,
    // with the trial button gaining in the last 15 days.
    const layouts: Record<number, Record<string, Rect>> = {};
    for (const width of [390, 768, 1280, 1440]) {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await page.goto(`${site.url}/blank`);
      await page.setContent(
        (await (await fetch(`${site.url}/shop`)).text()).replace(/<script[^>]*><\/script>/, ''),
      );
      layouts[width] = await page.evaluate(`(${TARGETS_OF})(document)`);
      await page.close();
    }
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const gauss = () => (random() + random() + random() - 1.5) / 1.5;
    const weights: Record<string, number> = {
      cta: 8,
      demo: 4,
      'plan-2': 5,
      'plan-1': 2,
      'plan-3': 2,
      'nav-pricing': 4,
      'nav-login': 2,
      'faq-1': 2,
      'faq-2': 1.5,
      'faq-3': 1,
      'faq-4': 0.5,
      'footer-contact': 0.5,
    };
    const ids = Object.keys(weights);
    const sum = ids.reduce((s, id) => s + weights[id]!, 0);
    const events: Record<string, unknown>[] = [];
    const now = Date.now();
    for (let v = 0; v < 1500; v++) {
      const width = [390, 390, 768, 1280, 1280, 1440][v % 6]!;
      const t = now - Math.floor(random() * 30) * DAY - Math.floor(random() * 3_600_000);
      const recent = now - t < 15 * DAY;
      const targets = layouts[width]!;
      const height = width === 390 ? 2600 : 1700;
      const depth = Math.min(height, 800 + Math.floor(random() ** 1.6 * height));
      events.push({ kind: 'scroll', url: '/', x: 0, y: depth, vw: width, vh: 800, t });
      for (let c = 0; c < 2; c++) {
        // The last 15 days: the trial button draws far more, the Team plan less.
        let pick = random() * (sum + (recent ? 14 : 0));
        let id = recent && pick >= sum ? 'cta' : ids[0]!;
        if (pick < sum) for (id of ids) if ((pick -= weights[id]!) < 0) break;
        if (recent && id === 'plan-2' && random() < 0.7) continue;
        const r = targets[id]!;
        if (r.y + r.h > depth) continue;
        events.push({
          kind: 'click',
          url: '/',
          x: Math.round(r.x + r.w / 2 + gauss() * r.w * 0.3),
          y: Math.round(r.y + r.h / 2 + gauss() * r.h * 0.3),
          vw: width,
          vh: 800,
          t,
        });
      }
      for (let m = 0; m < 6; m++) {
        const r = targets[ids[Math.floor(random() * 6)]!]!;
        events.push({
          kind: 'move',
          url: '/',
          x: Math.round(r.x + random() * r.w),
          y: Math.round(r.y + random() * r.h * 2),
          vw: width,
          vh: 800,
          t,
        });
      }
    }
    expect(site.tracker.track(events as never).rejected).toEqual([]);
    const month = `from=${day(now - 29 * DAY)}&to=${TODAY}`;
    const halves = `from=${day(now - 14 * DAY)}&to=${TODAY}&cfrom=${day(now - 29 * DAY)}&cto=${day(now - 15 * DAY)}`;
    const views: [string, string][] = [
      ['click', `kind=click&${month}`],
      ['scroll', `kind=scroll&${month}`],
      ['move', `kind=move&${month}`],
      ['compare-difference', `kind=click&compare=diff&${halves}`],
      ['compare-side-by-side', `kind=click&compare=side&${halves}`],
    ];
    for (const [viewport, bucket] of [
      [{ width: 1280, height: 800 }, 4],
      [{ width: 390, height: 844 }, 0],
    ] as const) {
      for (const [name, query] of views) {
        const page = await openViewer(`page=/&bucket=${bucket}&${query}`, viewport);
        // The scroll view a little down the page, where the share of page views starts to fall.
        if (name === 'scroll') await page.evaluate(() => window.monkeytrackerViewer.stage!.scrollToY(600));
        const layout = await page.evaluate(() => ({
          bar: document.querySelector('.bar')!.getBoundingClientRect().height,
          rows: document.querySelectorAll('.bar .controls').length,
          overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          stageOverflow: (() => {
            const s = document.querySelector('.stage')!;
            return s.scrollWidth - s.clientWidth;
          })(),
        }));
        expect(
          layout.overflow,
          `${name} at ${viewport.width}: nothing wider than the window`,
        ).toBeLessThanOrEqual(0);
        expect(
          layout.stageOverflow,
          `${name} at ${viewport.width}: the page scales to fit`,
        ).toBeLessThanOrEqual(0);
        // At 1280 px the header is two rows (three when comparing), each 40 px high at most.
        if (viewport.width === 1280) expect(layout.bar).toBeLessThanOrEqual(layout.rows === 2 ? 150 : 105);
        if (name === 'click') {
          // Single clicks among hot spots: more than one colour is on the canvas.
          expect(await page.evaluate(() => window.monkeytrackerViewer.heatmap!.total)).toBeGreaterThan(100);
        }
        if (name === 'click' && viewport.width === 390) {
          await page.locator('.pages-toggle').click();
          await page.waitForTimeout(250);
          await shoot(page, 'pages-390');
          await page.locator('.page-item').first().click();
          await page.waitForTimeout(300); // the drawer slides away
        }
        await shoot(page, `${name}-${viewport.width}`);
        expect((page as Page & { errors: string[] }).errors).toEqual([]);
        await page.close();
      }
    }
    // The 1440 view in a 1280 window: scaled to fit, nothing scrolls sideways.
    const wide = await openViewer(`page=/&bucket=5&kind=click&${month}`);
    expect(await wide.evaluate(() => window.monkeytrackerViewer.stage!.currentScale)).toBeLessThan(0.8);
    expect(
      await wide.evaluate(
        () => document.querySelector('.stage')!.scrollWidth - document.querySelector('.stage')!.clientWidth,
      ),
    ).toBeLessThanOrEqual(0);
    await wide.close();
  }, 60_000);
});
