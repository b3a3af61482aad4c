/**
 * Render area: `renderHeatmap` of `@monkeytracker/browser` (its built `heatmap.global.js`) in
 * Debian's Chromium through playwright-core, headless with software raster (`--disable-gpu`),
 * against heatmap.js 2.0.5 on the same data and point size (radius + blur = 40 px), in the same
 * page and run. Each time ends with a 1-pixel read-back, so queued canvas work is counted;
 * medians after two warm-up renders.
 *
 * The picture: 5,000 distinct 10 px cells of gaussian blobs and a light scatter (seeded), on a
 * desktop-sized canvas (1280 × 1024, the target: ≤ 16 ms, one frame) and a full-page one
 * (1280 × 2400, 2.4× the pixels, where Chromium's software bilinear upscale dominates); and ours
 * computing every pixel (`step: 1`) instead of upscaling a quarter-resolution field.
 *
 * Checked before timing: all 5,000 cells drawn, the hottest one opaque and red, nothing 150 px
 * below the data.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS, type SyntheticHeatmap, syntheticHeatmap } from '@monkeytracker/test-kit';
import { chromium, type Page } from 'playwright-core';
import { type BenchArea, check, formatMs, formatRatio, markdownTable, verdict } from './harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const CELLS = 5000;
const TARGET_MS = 16;
const CANVASES = [
  { width: 1280, height: 1024, runs: 20, peerRuns: 20, fullResolutionRuns: 5 },
  { width: 1280, height: 2400, runs: 20, peerRuns: 8, fullResolutionRuns: 0 },
] as const;

const SCRIPTS: Record<string, string> = {
  '/heatmap.global.js': join(here, '../../packages/browser/dist/heatmap.global.js'),
  '/heatmap.min.js': createRequire(import.meta.url).resolve('heatmap.js/build/heatmap.min.js'),
};

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>render</title>
<style>html,body{margin:0;padding:0}canvas,#peer{display:block}</style></head>
<body><script src="/heatmap.global.js"></script><script src="/heatmap.min.js"></script></body></html>`;

function serve(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const script = SCRIPTS[req.url ?? ''];
    if (script) res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(script));
    else if (req.url === '/render') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    else res.writeHead(404).end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

interface Measured {
  drawn: number;
  oursMs: number;
  heatmapJsMs: number;
  oursStep1Ms?: number;
  hotPixel: number[];
  farPixel: number[];
}

type RenderWindow = Window & {
  MonkeyTracker: {
    renderHeatmap(canvas: HTMLCanvasElement, h: SyntheticHeatmap, o?: object): { drawn: number };
  };
  h337: {
    create(config: Record<string, unknown>): {
      setData(data: { min: number; max: number; data: { x: number; y: number; value: number }[] }): void;
    };
  };
};

/** Both renderers on one `width` × `height` canvas, median times in ms. */
async function measure(page: Page, canvas: (typeof CANVASES)[number]): Promise<Measured> {
  const { width, height } = canvas;
  const heatmap = syntheticHeatmap(CELLS, width, height - 150);
  return page.evaluate(
    ({ heatmap, width, height, counts }) => {
      const w = window as unknown as RenderWindow;
      const median = (xs: number[]) => +xs.sort((a, b) => a - b)[xs.length >> 1]!.toFixed(2);
      const time = (runs: number, render: () => void, flush: () => void) => {
        const times: number[] = [];
        for (let i = 0; i < runs + 2; i++) {
          const start = performance.now();
          render();
          flush();
          if (i >= 2) times.push(performance.now() - start); // 2 warm-up runs
        }
        return median(times);
      };
      for (const old of document.querySelectorAll('canvas, #peer')) old.remove();
      const target = document.createElement('canvas');
      target.width = width;
      target.height = height;
      target.style.width = `${width}px`;
      target.style.height = `${height}px`;
      document.body.append(target);
      const ctx = target.getContext('2d')!;
      const flush = () => ctx.getImageData(0, 0, 1, 1);
      let drawn = 0;
      const oursStep1Ms = counts.fullResolutionRuns
        ? time(
            counts.fullResolutionRuns,
            () => w.MonkeyTracker.renderHeatmap(target, heatmap, { step: 1 }),
            flush,
          )
        : undefined;
      const oursMs = time(
        counts.runs,
        () => (drawn = w.MonkeyTracker.renderHeatmap(target, heatmap).drawn),
        flush,
      );
      const pixel = (x: number, y: number) => [...ctx.getImageData(x, y, 1, 1).data];
      const hot = heatmap.cells[0]!;
      const hotPixel = pixel(hot.x + 5, hot.y + 5);
      const farPixel = pixel(width / 2, height - 5);

      const container = document.createElement('div');
      container.id = 'peer';
      container.style.width = `${width}px`;
      container.style.height = `${height}px`;
      document.body.append(container);
      const peer = w.h337.create({ container, radius: 40, maxOpacity: 0.8, minOpacity: 0, blur: 0.85 });
      const half = heatmap.cellSize / 2;
      const data = {
        min: 0,
        max: heatmap.max,
        data: heatmap.cells.map((c) => ({ x: c.x + half, y: c.y + half, value: c.count })),
      };
      const peerCtx = container.querySelector('canvas')!.getContext('2d')!;
      const heatmapJsMs = time(
        counts.peerRuns,
        () => peer.setData(data),
        () => peerCtx.getImageData(0, 0, 1, 1),
      );
      return { drawn, oursMs, heatmapJsMs, oursStep1Ms, hotPixel, farPixel };
    },
    { heatmap, width, height, counts: canvas },
  );
}

const area: BenchArea = {
  name: 'render',
  title: 'Renderer in Chromium: 5,000 cells, renderHeatmap vs heatmap.js',
  async run() {
    check(existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`);
    for (const [path, file] of Object.entries(SCRIPTS))
      check(existsSync(file), `${path}: ${file} (pnpm build)`);
    const { server, url } = await serve();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      // tsx compiles this file with esbuild's keepNames: the functions handed to page.evaluate
      // call its `__name` helper, which the page does not have.
      await page.addInitScript('window.__name = (fn) => fn;');
      await page.goto(`${url}/render`);
      const rows: string[][] = [];
      for (const canvas of CANVASES) {
        const m = await measure(page, canvas);
        check(m.drawn === CELLS, `all ${CELLS} cells drawn (got ${m.drawn})`);
        check(m.hotPixel[3]! > 150 && m.hotPixel[0]! > 200, 'the hottest cell is opaque and red');
        check(
          m.farPixel.every((v) => v === 0),
          'nothing is painted 150 px below the data',
        );
        const desktop = canvas.height === 1024;
        rows.push([
          `${canvas.width} × ${canvas.height}`,
          formatMs(m.oursMs),
          formatMs(m.heatmapJsMs),
          formatRatio(m.heatmapJsMs / m.oursMs),
          m.oursStep1Ms === undefined ? '—' : formatMs(m.oursStep1Ms),
          desktop ? `≤ ${TARGET_MS} ms: ${verdict(m.oursMs <= TARGET_MS)}` : '',
        ]);
      }
      return `Chromium ${browser.version()} headless, \`--disable-gpu\` (software raster); ${CELLS.toLocaleString('en')} seeded cells (10 px), medians of ${CANVASES[0].runs} renders after 2 warm-up ones (heatmap.js: ${CANVASES.map((c) => c.peerRuns).join(' / ')}), each ending with a 1-pixel read-back.

${markdownTable(['canvas', '`renderHeatmap`', 'heatmap.js 2.0.5, same data and point size', 'heatmap.js ÷ ours', '`renderHeatmap`, `step: 1`', 'target'], rows)}

On the larger canvas much of the time is Chromium's software bilinear upscale of the quarter-resolution field, about proportional to the canvas pixels whatever the number of cells; with GPU raster that part is nearly free.`;
    } finally {
      await browser.close();
      server.close();
    }
  },
};

export default area;
