/**
 * The viewer end to end in a real Chromium: a tracked page with the real snippet sends clicks,
 * moves and scroll depths through the real handler; the viewer (served by the same handler,
 * behind a bearer token) lists the page with the right count and paints every view at the
 * clicked elements, compares two periods, draws the bottom of a 60,000 px page, exports, shows
 * errors as sentences, and gives nothing to an unauthorized client. Also takes the screenshots
 * under packages/viewer/screenshots/ (written when missing or with UPDATE_SCREENSHOTS=1).
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
async function total(url: string, kind: 'click' | 'scroll' | 'move', from = TODAY, to = TODAY, bucket = 4) {
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
  options: { viewport?: { width: number; height: number }; daysAgo?: number } = {},
): Promise<void> {
  const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP });
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

describe.skipIf(!haveChromium && !mustRun)('@monkeytracker/viewer in Chromium', () => {
  beforeAll(async () => {
    ensureBuilt();
    site = await startFixtureSite();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
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
