import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM } from '@monkeytracker/test-kit';
import type { Heatmap } from 'monkeytracker';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from '../src/demo-server';
import { pageLayout } from '../src/layout';
import { simulateTraffic } from '../src/simulate';
import { ensureBrowserBuilt } from './browser-dist';

// The whole demo in a real Chromium: the tracked page sends clicks and a scroll depth through
// the real snippet and handler, the heatmap API returns them as exact cells, and the viewer
// paints them. Also checks that the page's layout is where src/layout.ts (the simulator's
// targets) says, and saves the screenshots the README shows.

const haveChromium = HAVE_CHROMIUM;
const mustRun = process.env.CI === 'true';
if (!haveChromium && !mustRun) {
  console.warn(
    `\n!!! ${CHROMIUM} is missing: SKIPPING the demo-server e2e tests (page, heatmap API, viewer, screenshots). !!!\n` +
      '!!! Install it (apt-get install chromium) or set CI=true to make its absence a failure.                      !!!\n',
  );
}

// The README's screenshots: always taken (into the temp dir), written over the committed ones
// only when those are missing or with UPDATE_SCREENSHOTS=1, so a test run leaves git clean.
const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));
const SCRATCH = join(tmpdir(), 'monkeytracker-demo-screenshots');
const VIEWPORT = { width: 1280, height: 800 };
const DAY_MS = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

let demo: DemoServer;
let dataDir: string;
let browser: Browser;

/** The 20 positions the test clicks (page px) and the depth it scrolls to; filled by the first test. */
const clicks: { x: number; y: number }[] = [];
const SCROLL_TOP = 2700;
const DEPTH = SCROLL_TOP + VIEWPORT.height;

async function heatmap(query: Record<string, string | number>): Promise<Heatmap> {
  const today = Date.now();
  const params = new URLSearchParams({
    url: demo.pageUrl,
    from: day(today - DAY_MS),
    to: day(today),
    top: '5000',
    ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
  });
  const response = await fetch(`${demo.url}/mt/heatmap?${params}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Heatmap;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Scrolls to `y`, waits for the scroll event to fire, returns where the page settled. */
function scrollTo(page: Page, y: number): Promise<number> {
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

/** Opens the viewer (@monkeytracker/viewer, at /mt/viewer/) and waits until it has drawn. */
async function openViewer(query: Record<string, string | number>): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const params = new URLSearchParams(
    Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
  );
  await page.goto(`${demo.url}/mt/viewer/?${params}`);
  await page.waitForSelector('html[data-state="ready"]', { timeout: 15_000 });
  expect(errors).toEqual([]);
  return page;
}

/**
 * The heat canvas's alpha at page points (page px): the viewer's canvas covers the visible part
 * of the page, so the stage is scrolled window by window and each point read where it shows.
 */
function alphaAt(page: Page, points: { x: number; y: number }[]): Promise<number[]> {
  return page.evaluate(async (points) => {
    type Stage = { scrollToY(y: number): Promise<void>; originY: number; currentScale: number };
    const stage = (window as unknown as { monkeytrackerViewer: { stage: Stage } }).monkeytrackerViewer.stage;
    const canvas = document.querySelector<HTMLCanvasElement>('canvas.heat')!;
    const ctx = canvas.getContext('2d')!;
    const ratio = canvas.width / canvas.clientWidth;
    const out = new Array<number>(points.length);
    const order = points.map((_, i) => i).sort((a, b) => points[a]!.y - points[b]!.y);
    let next = 0;
    while (next < order.length) {
      await stage.scrollToY(Math.max(0, points[order[next]!]!.y - 20));
      const k = stage.currentScale;
      const bottom = stage.originY + canvas.clientHeight / k - 1;
      let read = 0;
      for (; next < order.length && points[order[next]!]!.y <= bottom; next++, read++) {
        const p = points[order[next]!]!;
        const px = Math.round(p.x * k * ratio);
        const py = Math.round((p.y - stage.originY) * k * ratio);
        out[order[next]!] = ctx.getImageData(px, py, 1, 1).data[3]!;
      }
      if (read === 0) throw new Error(`point ${JSON.stringify(points[order[next]!])} is below the page`);
    }
    return out;
  }, points);
}

describe.skipIf(!haveChromium && !mustRun)('demo server in Chromium', () => {
  beforeAll(async () => {
    ensureBrowserBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'mt-demo-e2e-'));
    demo = await startDemoServer({ port: 0, dataDir, quiet: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lays the page out where src/layout.ts says, at every width the viewer offers', async () => {
    for (const width of [390, 768, 1280, 1440]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${demo.url}/?preview=1`);
      const measured = await page.evaluate(() => ({
        innerWidth: window.innerWidth,
        clientWidth: document.documentElement.clientWidth,
        height: document.documentElement.scrollHeight,
        targets: [...document.querySelectorAll<HTMLElement>('[data-target]')].map((el) => {
          const r = el.getBoundingClientRect();
          return { id: el.dataset.target!, x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height };
        }),
      }));
      const expected = pageLayout(measured.innerWidth, measured.clientWidth);
      expect(measured.height, `page height at ${width}`).toBe(expected.height);
      const visible = measured.targets.filter((t) => t.w > 0);
      expect(visible.map((t) => t.id).sort(), `targets at ${width}`).toEqual(
        expected.targets.map((t) => t.id).sort(),
      );
      for (const target of expected.targets) {
        const real = visible.find((t) => t.id === target.id)!;
        for (const side of ['x', 'y', 'w', 'h'] as const) {
          expect(Math.abs(real[side] - target[side]), `${target.id}.${side} at ${width}`).toBeLessThan(0.5);
        }
      }
      await context.close();
    }
  }, 60_000);

  it('records 20 clicks and a scroll depth from a real browser; the API returns them as exact cells', async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(demo.pageUrl);
    const { innerWidth, clientWidth } = await page.evaluate(() => ({
      innerWidth: window.innerWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    // 20 known positions: inside the page's buttons, cards and questions (no links, so the
    // page stays put), each a few px off the centre so they land in different cells.
    const targets = pageLayout(innerWidth, clientWidth).targets.filter(
      (t) => !/^(logo|nav-(features|pricing|faq)|footer-)/.test(t.id),
    );
    expect(targets.length).toBeGreaterThanOrEqual(20);
    for (const [i, t] of targets.slice(0, 20).entries()) {
      clicks.push({
        x: Math.round(t.x + t.w / 2) + (i % 5) * 3 - 6,
        y: Math.round(t.y + t.h / 2) + (i % 3) * 4 - 4,
      });
    }
    for (const { x, y } of clicks) {
      const top = await scrollTo(page, Math.max(0, y - 400));
      await page.mouse.click(x, y - top); // client coordinates; the event carries page ones
    }
    expect(await scrollTo(page, SCROLL_TOP)).toBe(SCROLL_TOP);
    await scrollTo(page, 600); // scrolling back up does not lower the depth
    await page.goto(`${demo.url}/signup`); // pagehide: the view ends, its scroll event goes by sendBeacon
    expect(errors).toEqual([]);

    // Exact cells: cell = floor(page px / 10) * 10, in the 1280 px viewport bucket.
    const expected = new Map<string, number>();
    for (const { x, y } of clicks) {
      const key = `${Math.floor(x / 10) * 10},${Math.floor(y / 10) * 10}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const clickMap = await waitFor('20 clicks in the heatmap', async () => {
      const map = await heatmap({ kind: 'click', vw: VIEWPORT.width });
      return map.total >= 20 ? map : undefined;
    });
    expect(clickMap.total).toBe(20);
    expect(clickMap.cellSize).toBe(10);
    expect(clickMap.cellCount).toBe(expected.size);
    const cells = Object.fromEntries(clickMap.cells.map((c) => [`${c.x},${c.y}`, c.count]));
    expect(cells).toEqual(Object.fromEntries(expected));

    const scrollMap = await waitFor('the scroll depth in the heatmap', async () => {
      const map = await heatmap({ kind: 'scroll', vw: VIEWPORT.width });
      return map.total >= 1 ? map : undefined;
    });
    expect(scrollMap.total).toBe(1);
    expect(scrollMap.cells).toEqual([{ x: 0, y: DEPTH, count: 1 }]);
    expect(scrollMap.reach).toEqual([{ y: DEPTH, share: 1 }]);
    // Nothing landed in other viewport buckets.
    expect((await heatmap({ kind: 'click', vw: 390 })).total).toBe(0);
    await context.close();
  }, 60_000);

  it('the viewer paints the heatmap at the clicked positions and nothing far from them', async () => {
    const today = day(Date.now());
    const page = await openViewer({ page: '/', kind: 'click', bucket: 4, from: today, to: today });
    const height = await page.evaluate(
      () =>
        (window as unknown as { monkeytrackerViewer: { stage: { pageHeight: number } } }).monkeytrackerViewer
          .stage.pageHeight,
    );
    const docHeight = pageLayout(1280, 1280).height;
    expect(height).toBe(docHeight);
    const at = await alphaAt(page, clicks);
    expect(
      at.every((a) => a > 0),
      `alpha at the clicks: ${at.join(',')}`,
    ).toBe(true);
    // Far: a 100 px grid, keeping points at least 120 px from every click.
    const far: { x: number; y: number }[] = [];
    for (let y = 5; y < height - 5; y += 100)
      for (let x = 5; x < 1280; x += 100)
        if (clicks.every((p) => Math.hypot(p.x - x, p.y - y) > 120)) far.push({ x, y });
    expect(far.length).toBeGreaterThan(200);
    expect(Math.max(...(await alphaAt(page, far)))).toBe(0);
    expect(await page.textContent('.summary')).toMatch(
      /^20 clicks · Desktop 1200–1399 px · 0 rage · 0 dead$/,
    );
    // The page list has the page with its 20 clicks of today.
    expect(await page.textContent('.page-item[aria-current="page"] .page-count')).toBe('20');

    // The scroll view paints the reach down to the depth, nothing below it.
    await page.click('button:has-text("Scroll")');
    await page.waitForFunction(
      () =>
        (window as unknown as { monkeytrackerViewer: { view: { kind: string } } }).monkeytrackerViewer.view
          .kind === 'scroll',
    );
    await page.waitForSelector('html[data-state="ready"]');
    const [top, above, below] = await alphaAt(page, [
      { x: 640, y: 100 },
      { x: 640, y: DEPTH - 40 },
      { x: 640, y: DEPTH + 40 },
    ]);
    expect(top).toBeGreaterThan(0);
    expect(above).toBeGreaterThan(0);
    expect(below).toBe(0);
    await page.context().close();
  }, 60_000);

  it('simulated traffic fills every width and the last 30 days, on the real buttons; screenshots', async () => {
    const result = await simulateTraffic({ baseUrl: demo.url, views: 1500, seed: 8 });
    expect(result.rejected).toBe(0);
    expect(result.accepted).toBe(result.clicks + result.scrolls);
    expect(result.scrolls).toBe(1500);
    const now = Date.now();
    const month = { from: day(now - 29 * DAY_MS), to: day(now) };
    let clicksSeen = 0;
    let scrollsSeen = 0;
    for (const vw of [390, 768, 1280, 1440]) {
      const map = await heatmap({ kind: 'click', vw, ...month });
      const scroll = await heatmap({ kind: 'scroll', vw, ...month });
      expect(map.total, `clicks at ${vw}`).toBeGreaterThan(50);
      expect(scroll.total, `scrolls at ${vw}`).toBeGreaterThan(50);
      clicksSeen += map.total;
      scrollsSeen += scroll.total;
      // Most clicks sit on the page's buttons (the rest is the simulator's deliberate noise).
      const boxes = pageLayout(vw).targets;
      const onTargets = map.cells
        .filter((c) =>
          boxes.some((b) => c.x + 10 > b.x && c.x < b.x + b.w && c.y + 10 > b.y && c.y < b.y + b.h),
        )
        .reduce((sum, c) => sum + c.count, 0);
      expect(onTargets / map.total, `share of clicks on buttons at ${vw}`).toBeGreaterThan(0.85);
    }
    expect(clicksSeen).toBe(result.clicks + 20); // + the 20 real clicks of the test above
    expect(scrollsSeen).toBe(result.scrolls + 1);
    // Spread over the month, not just today.
    const older = await heatmap({
      kind: 'scroll',
      vw: 390,
      from: day(now - 29 * DAY_MS),
      to: day(now - 15 * DAY_MS),
    });
    expect(older.total).toBeGreaterThan(0);

    mkdirSync(SCRATCH, { recursive: true });
    // The click and the scroll view of the month at 1280 px, as the viewer opens them.
    for (const kind of ['click', 'scroll'] as const) {
      const page = await openViewer({ page: '/', kind, bucket: 4, ...month });
      // The scroll view from the second screen down, where the share starts to fall.
      if (kind === 'scroll')
        await page.evaluate(() =>
          (
            window as unknown as { monkeytrackerViewer: { stage: { scrollToY(y: number): Promise<void> } } }
          ).monkeytrackerViewer.stage.scrollToY(1100),
        );
      const file = join(SCRATCH, `viewer-${kind}.png`);
      await page.screenshot({ path: file });
      expect(statSync(file).size).toBeLessThan(500 * 1024);
      const committed = join(SCREENSHOTS, `viewer-${kind}.png`);
      if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(committed)) {
        mkdirSync(SCREENSHOTS, { recursive: true });
        copyFileSync(file, committed);
      }
      await page.context().close();
    }
  }, 120_000);

  it('POST /api/simulate sends traffic through the endpoint; the viewer lists it', async () => {
    const now = Date.now();
    const month = { from: day(now - 29 * DAY_MS), to: day(now) };
    const views = async () => {
      let sum = 0;
      for (const vw of [390, 768, 1280, 1440]) sum += (await heatmap({ kind: 'scroll', vw, ...month })).total;
      return sum;
    };
    const before = await views();
    const response = await fetch(`${demo.url}/api/simulate?views=1000`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await views()).toBe(before + 1000); // one scroll event per simulated page view
    const page = await openViewer({ kind: 'scroll', bucket: 5, ...month });
    expect(await page.textContent('.page-item[aria-current="page"] .page-url')).toBe('/');
    expect(await page.textContent('.page-item[aria-current="page"] .page-count')).toBe(
      (before + 1000).toLocaleString('en-US'),
    );
    await page.context().close();
  }, 60_000);
});
