/**
 * Viewer area: `@monkeytracker/viewer` (built, served by the real handler) in Debian's Chromium
 * through playwright-core, headless with software raster (`--disable-gpu`).
 *
 * 1. Time to first heatmap: a fresh tab opens the viewer on a page with 5,000 hot cells; the
 *    time from navigation start to the viewer's `monkeytracker-viewer:first-heatmap` mark (config,
 *    page list, heatmap fetched, the page framed and measured, the heat painted).
 * 2. Redraw on scroll: the canvas is the size of the visible area (1280 × 800 here) and is
 *    redrawn for the window of the page in view on every scroll. Timed: one redraw at a new
 *    scroll position, ending with a 1-pixel read-back so queued canvas work is counted; for
 *    5,000 cells all in view, and at the top, middle and bottom of a 60,000 px page whose 5,000
 *    cells are 1,500 in each of those screens (and 500 scattered). Target ≤ 16 ms, median.
 *
 * Naive baseline in the same run, same canvas, same cells in view: the simpleheat / heatmap.js
 * algorithm (one `drawImage` of a blurred circle per cell, then a `getImageData` colouring pass).
 * A naive page-sized canvas is no baseline for the tall page: 60,000 px is past Chromium's
 * 32,767 px canvas limit, so it cannot draw there at all.
 *
 * Checked before timing: the viewer drew 5,000 cells (the answer's `cells`), and the hottest
 * cell is painted.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createViewer } from '@monkeytracker/viewer';
import { createTracker, type Tracker } from 'monkeytracker';
import { createHandler } from 'monkeytracker/http';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type BenchArea, check, formatMs, markdownTable, seededRandom, verdict } from './harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const CELLS = 5000;
const TALL = 60_000;
const SHORT = 1800;
const FIRST_RUNS = 10;
const REDRAWS = 40;
const TARGET_MS = 16;
/** The window: 272 px of page list + 16 px margins + a 1280 px stage; 800 px of stage under the header. */
const WINDOW = { width: 1600, height: 956 };

interface Served {
  url: string;
  tracker: Tracker;
  close(): Promise<void>;
}

function page(height: number): string {
  const bands: string[] = [];
  for (let y = 0; y < height; y += 1000) {
    bands.push(
      `<div style="height:${Math.min(1000, height - y)}px;background:${(y / 1000) % 2 ? '#1a1e28' : '#fff'}"></div>`,
    );
  }
  return `<!doctype html><title>bench</title><body style="margin:0">${bands.join('')}</body>`;
}

/**
 * Distinct click cells (seeded): `bands` of page depth, each `[top, bottom, cells]`, filled with
 * hot spots (counts 1–20) and a scatter (count 1), every cell of a band within it.
 */
function clicks(url: string, bands: [number, number, number][], seed: number) {
  const random = seededRandom(seed);
  const events: { kind: 'click'; url: string; x: number; y: number; vw: number; vh: number }[] = [];
  const seen = new Set<string>();
  for (const [top, bottom, cells] of bands) {
    const spots = Array.from({ length: 12 }, () => ({
      x: random() * 1280,
      y: top + random() * (bottom - top),
    }));
    const target = seen.size + cells;
    while (seen.size < target) {
      const hot = random() < 0.7;
      const spot = spots[Math.floor(random() * spots.length)]!;
      const x = Math.floor(hot ? spot.x + (random() - 0.5) * 300 : random() * 1280);
      const y = Math.floor(hot ? spot.y + (random() - 0.5) * 300 : top + random() * (bottom - top));
      if (x < 0 || x >= 1280 || y < top || y >= bottom) continue;
      seen.add(`${Math.floor(x / 10)},${Math.floor(y / 10)}`);
      const count = hot ? 1 + Math.floor(random() * 20) : 1;
      for (let i = 0; i < count; i++) events.push({ kind: 'click', url, x, y, vw: 1280, vh: 800 });
    }
  }
  return events;
}

async function serve(): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'mt-bench-viewer-'));
  const tracker = await createTracker({ journal: false });
  const handler = createHandler(tracker, { viewer: createViewer() });
  const pages: Record<string, string> = { '/short': page(SHORT), '/tall': page(TALL) };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/mt')) return handler(req, res);
    const body = pages[path];
    res.writeHead(body ? 200 : 404, { 'content-type': 'text/html' }).end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The short page: all 5,000 cells within one screen (100–800 px), so every redraw draws them all.
  // The tall page: 1,500 cells in each of its top, middle and bottom screens, 500 scattered.
  const events = [
    ...clicks('/short', [[100, 800, CELLS]], 1),
    ...clicks(
      '/tall',
      [
        [0, 800, 1500],
        [30_000, 30_800, 1500],
        [TALL - 800, TALL, 1500],
        [800, TALL - 800, 500],
      ],
      2,
    ),
  ];
  for (let i = 0; i < events.length; i += 10_000) tracker.track(events.slice(i, i + 10_000));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tracker,
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;

async function openViewer(
  browser: Browser,
  base: string,
  path: string,
): Promise<{ page: Page; firstMs: number; phases: Record<string, number> }> {
  const context = await browser.newContext({ viewport: WINDOW });
  // tsx names functions with an `__name` helper; the functions evaluated in the page need it too.
  await context.addInitScript({ content: 'window.__name = (f) => f;' });
  const page = await context.newPage();
  const today = new Date().toISOString().slice(0, 10);
  await page.goto(`${base}/mt/viewer/?page=${path}&kind=click&bucket=4&from=${today}&to=${today}`);
  await page.waitForSelector('html[data-state="ready"]', { timeout: 30_000 });
  const { firstMs, phases } = await page.evaluate(() => {
    const end = (part: string) =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) =>
        e.name.includes(part),
      )?.responseEnd ?? Number.NaN;
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return {
      firstMs: performance.getEntriesByName('monkeytracker-viewer:first-heatmap')[0]!.startTime,
      phases: {
        html: nav.responseEnd,
        script: end('/mt/viewer/app-'),
        config: end('/mt/config'),
        heatmap: end('/mt/heatmap'),
        pages: end('/mt/pages'),
        frame: end('/short') || end('/tall'),
      },
    };
  });
  return { page, firstMs, phases };
}

/** Redraw times (ms) at the depths `ys` of the page, ours and the naive baseline's, in the open viewer. */
function redraws(
  page: Page,
  ys: number[],
  runs: number,
): Promise<{ ours: number[]; naive: number[]; canvas: string; cellsInView: number }> {
  return page.evaluate(
    async ({ ys, runs }) => {
      type Cell = { x: number; y: number; count: number };
      const probe = (
        window as unknown as {
          monkeytrackerViewer: {
            stage: {
              root: HTMLElement;
              repaint(): void;
              currentScale: number;
              originY: number;
              scrollToY(y: number): Promise<void>;
            };
            heatmap: { cells: Cell[]; cellSize: number; max: number };
          };
        }
      ).monkeytrackerViewer;
      const stage = probe.stage;
      const canvas = document.querySelector<HTMLCanvasElement>('canvas.heat')!;
      const ctx = canvas.getContext('2d')!;
      const flush = () => ctx.getImageData(0, 0, 1, 1);
      const ours: number[] = [];
      const naive: number[] = [];
      // The naive baseline (simpleheat): a blurred circle stamped per cell in view, then coloured pixel by pixel.
      const r = 18 + 12;
      const stampCanvas = document.createElement('canvas');
      stampCanvas.width = stampCanvas.height = r * 4;
      const s = stampCanvas.getContext('2d')!;
      s.shadowOffsetX = s.shadowOffsetY = r * 2;
      s.shadowBlur = 12;
      s.shadowColor = 'black';
      s.beginPath();
      s.arc(-r, -r, 18, 0, Math.PI * 2);
      s.fill();
      const palette = new Uint8ClampedArray(1024);
      for (let i = 0; i < 256; i++) palette.set([255, 255 - i, 0, 255], i * 4);
      const off = document.createElement('canvas');
      off.width = canvas.width;
      off.height = canvas.height;
      const o = off.getContext('2d', { willReadFrequently: true })!;
      const { cells, cellSize, max } = probe.heatmap;
      let inView = 0;
      for (let run = 0; run < runs; run++) {
        const y = ys[run % ys.length]! + (run % 2) * 37;
        stage.root.scrollTop = y * stage.currentScale;
        let t = performance.now();
        stage.repaint();
        flush();
        ours.push(performance.now() - t);
        // The same window, drawn the naive way.
        const top = stage.originY;
        const k = stage.currentScale;
        t = performance.now();
        o.clearRect(0, 0, off.width, off.height);
        inView = 0;
        for (const c of cells) {
          const cy = (c.y + cellSize / 2 - top) * k;
          if (cy < -r || cy > off.height + r) continue;
          inView++;
          o.globalAlpha = Math.max(0.05, c.count / max);
          o.drawImage(stampCanvas, (c.x + cellSize / 2) * k - r * 2, cy - r * 2);
        }
        const img = o.getImageData(0, 0, off.width, off.height);
        const px = img.data;
        for (let i = 3; i < px.length; i += 4) {
          const a = px[i]!;
          if (a) {
            const j = a * 4;
            px[i - 3] = palette[j]!;
            px[i - 2] = palette[j + 1]!;
            px[i - 1] = palette[j + 2]!;
          }
        }
        ctx.putImageData(img, 0, 0);
        flush();
        naive.push(performance.now() - t);
      }
      await stage.scrollToY(ys[0]!); // leave our drawing on screen
      return { ours, naive, canvas: `${canvas.width} × ${canvas.height}`, cellsInView: inView };
    },
    { ys, runs },
  );
}

const area: BenchArea = {
  name: 'viewer',
  title: 'Viewer in Chromium: time to first heatmap, redraw on scroll',
  async run() {
    check(existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`);
    const site = await serve();
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        '--disable-background-networking',
      ],
    });
    try {
      // 1. Time to first heatmap (fresh tabs; the first one warms the server and the cache).
      const first: number[] = [];
      const phases: Record<string, number[]> = {};
      for (let i = 0; i <= FIRST_RUNS; i++) {
        const opened = await openViewer(browser, site.url, '/short');
        if (i > 0) {
          first.push(opened.firstMs);
          for (const [k, v] of Object.entries(opened.phases)) (phases[k] ??= []).push(v);
        }
        await opened.page.context().close();
      }

      // 2. Redraws: the short page, then the tall one at its top, middle and bottom.
      const short = await openViewer(browser, site.url, '/short');
      const drawn = await short.page.evaluate(() => {
        const v = (
          window as unknown as {
            monkeytrackerViewer: {
              heatmap: { cells: { x: number; y: number }[] };
              stage: { currentScale: number };
            };
          }
        ).monkeytrackerViewer;
        return { cells: v.heatmap.cells.length, scale: v.stage.currentScale };
      });
      check(drawn.cells === CELLS, `the viewer drew ${drawn.cells} cells, not ${CELLS}`);
      check(drawn.scale === 1, `the stage is scaled ${drawn.scale}, not 1 (the window is too narrow)`);
      const hot = await short.page.evaluate(async () => {
        const v = (
          window as unknown as {
            monkeytrackerViewer: {
              heatmap: { cells: { x: number; y: number }[] };
              stage: { scrollToY(y: number): Promise<void>; originY: number };
            };
          }
        ).monkeytrackerViewer;
        const c = v.heatmap.cells[0]!;
        await v.stage.scrollToY(Math.max(0, c.y - 300));
        const canvas = document.querySelector<HTMLCanvasElement>('canvas.heat')!;
        return canvas.getContext('2d')!.getImageData(c.x + 5, c.y + 5 - v.stage.originY, 1, 1).data[3]!;
      });
      check(hot > 100, `the hottest cell is not painted (alpha ${hot})`);
      const shortTimes = await redraws(short.page, [0, 20, 40, 60], REDRAWS);
      await short.page.context().close();

      const tall = await openViewer(browser, site.url, '/tall');
      const tallDrawn = await tall.page.evaluate(
        () =>
          (window as unknown as { monkeytrackerViewer: { stage: { pageHeight: number } } })
            .monkeytrackerViewer.stage.pageHeight,
      );
      check(tallDrawn === TALL, `the tall page measured ${tallDrawn} px, not ${TALL}`);
      const depths: [string, number][] = [
        ['top', 0],
        ['middle', 30_000],
        ['bottom', TALL - 800],
      ];
      const tallTimes: Record<string, Awaited<ReturnType<typeof redraws>>> = {};
      for (const [name, y] of depths) tallTimes[name] = await redraws(tall.page, [y], REDRAWS / 2);
      await tall.page.context().close();

      const rows: (string | number)[][] = [
        [
          `1,800 px page, 5,000 cells (${shortTimes.cellsInView.toLocaleString('en-US')} in view)`,
          shortTimes.canvas,
          formatMs(median(shortTimes.ours)),
          formatMs(p90(shortTimes.ours)),
          formatMs(median(shortTimes.naive)),
          verdict(median(shortTimes.ours) <= TARGET_MS),
        ],
      ];
      for (const [name] of depths) {
        const t = tallTimes[name]!;
        rows.push([
          `60,000 px page, ${name} (${t.cellsInView.toLocaleString('en-US')} of 5,000 cells in view)`,
          t.canvas,
          formatMs(median(t.ours)),
          formatMs(p90(t.ours)),
          formatMs(median(t.naive)),
          verdict(median(t.ours) <= TARGET_MS),
        ]);
      }
      return [
        `Chromium ${browser.version()} headless, \`--disable-gpu\` (software raster), window ${WINDOW.width} × ${WINDOW.height}: the Desktop view (1280 px) at scale 1 on a 1280 × 800 stage. The viewer is the built \`dist/app\` served by \`createHandler(tracker, { viewer: createViewer() })\` over loopback; the data: 5,000 distinct 10 px cells (hot spots and a scatter, seeded) on each page, \`top=5000\`.`,
        '',
        '### Time to first heatmap',
        '',
        markdownTable(
          ['ms after navigation start', 'median', 'p90', 'runs'],
          [
            ...(
              [
                ['index.html received', 'html'],
                ['app script received', 'script'],
                ['`../config` answered', 'config'],
                ['`../pages` answered', 'pages'],
                ['`../heatmap` answered (5,000 cells)', 'heatmap'],
                ['the framed page received', 'frame'],
              ] as const
            ).map(([label, key]) => [
              label,
              formatMs(median(phases[key]!)),
              formatMs(p90(phases[key]!)),
              first.length,
            ]),
            [
              '**first heatmap**: the heat painted over the loaded, measured page',
              formatMs(median(first)),
              formatMs(p90(first)),
              first.length,
            ],
          ],
        ),
        '',
        `### Redraw on scroll (target ≤ ${TARGET_MS} ms, median)`,
        '',
        'One redraw at a new scroll position (the frame scrolled, the canvas redrawn for the window in view, a 1-pixel read-back), beside the naive simpleheat-style redraw of the same window on the same canvas.',
        '',
        markdownTable(
          ['page', 'canvas (device px)', 'median', 'p90', 'naive (simpleheat) median', `≤ ${TARGET_MS} ms`],
          rows,
        ),
        '',
        'The tall page draws as fast at its bottom as at its top: only the cells in the window are stamped, on a canvas the size of the screen. A canvas as tall as the page (the naive way) cannot exist there: Chromium refuses canvases past 32,767 px.',
      ].join('\n');
    } finally {
      await browser.close();
      await site.close();
    }
  },
};

export default area;
