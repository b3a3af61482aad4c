import { createPalette, DEFAULT_GRADIENT, type Gradient } from './gradient';
import type { Heatmap, RenderStats } from './heatmap';
import { paintSamples, sampleImage } from './paint-samples';
import { type PointKernel, pointKernel } from './point-kernel';
import { pixelRatioOf, renderFrame } from './render-frame';

/** Options of {@link renderHeatmap}. Lengths are in canvas CSS px unless said otherwise. */
export interface RenderHeatmapOptions {
  /** Radius of each point before blurring. Default 25. */
  radius?: number;
  /** How far each point's edge fades, inwards and outwards. Default 15. */
  blur?: number;
  /** Opacity of the hottest pixels, 0–1. Default 0.8. */
  maxOpacity?: number;
  /** Smallest intensity a drawn cell gets, 0–1, so single events stay visible. Default 0.05. */
  minOpacity?: number;
  /**
   * The intensity from which pixels are drawn at `maxOpacity`; below it the opacity falls
   * linearly to 0. Default 1: opacity grows with intensity (as in heatmap.js). Set it to about
   * `minOpacity` and colour alone tells counts apart, while a single event is as opaque as a hot
   * spot: it then reads on dark and light backgrounds alike.
   */
  opaqueAt?: number;
  /** Intensity → colour stops. Default {@link DEFAULT_GRADIENT}. */
  gradient?: Gradient;
  /** Page px → canvas CSS px, e.g. 0.25 for a quarter-size thumbnail. Default 1. */
  scale?: number;
  /**
   * The page point (page px) drawn at the canvas's top-left corner. Default `{ x: 0, y: 0 }`.
   * A viewport-sized canvas over a tall page sets `y` to the scroll offset and redraws on
   * scroll: cells outside the window are skipped, so a 60,000 px page draws as fast at its
   * bottom as at its top, and never needs a canvas taller than the browser allows (~32,767 px).
   */
  origin?: { x: number; y: number };
  /**
   * Canvas px per CSS px. Default `canvas.width / canvas.clientWidth` when the canvas is laid
   * out (size it as `canvas.width = cssWidth * devicePixelRatio`), else 1.
   */
  pixelRatio?: number;
  /** The count drawn at full intensity. Default `heatmap.max`. */
  max?: number;
  /**
   * Spacing, in canvas px, of the grid the intensity is computed on before it is smoothed up to
   * the canvas. Default a quarter of the blur in canvas px (4 at the defaults): finer detail
   * than that is blurred away anyway. 1 computes every pixel (as heatmap.js does), several
   * times slower.
   */
  step?: number;
}

// Reused between calls (rendering is synchronous): the intensity grid, plus kernels and colour
// tables by key. The coloured grid and its smoothing canvas are paint-samples.ts's.
let field = new Float64Array(0);
const kernels = new Map<string, PointKernel>();
const tables = new Map<string, Uint32Array>();

/**
 * Draws a click or move heatmap on a canvas: each cell becomes a blurred point whose
 * intensity is its count over the maximum, overlapping points add up like stacked
 * translucent layers (the "source-over" alpha of simpleheat and heatmap.js), and the summed
 * intensity is coloured through a gradient palette. Replaces the canvas content.
 *
 * Cell `(x, y)` (top-left, page px) is drawn at its centre, `(x + cellSize / 2 - origin.x) * scale`
 * CSS px, times the pixel ratio. The intensity is computed in JavaScript on a grid every `step`
 * canvas px (no canvas call per cell), coloured, and smoothed up to the canvas in one
 * `drawImage`, so 5,000 cells take a few ms. Cells off the canvas are skipped. Needs a DOM.
 *
 * @returns how many cells were drawn and how long it took.
 * @example
 * ```ts
 * const canvas = document.querySelector('canvas')!;
 * canvas.width = canvas.clientWidth * devicePixelRatio;
 * canvas.height = canvas.clientHeight * devicePixelRatio;
 * const heatmap = await (await fetch('/mt/heatmap?url=/pricing&kind=click')).json();
 * renderHeatmap(canvas, heatmap, { radius: 20, blur: 12 });
 * ```
 */
export function renderHeatmap(
  canvas: HTMLCanvasElement,
  heatmap: Heatmap,
  options: RenderHeatmapOptions = {},
): RenderStats {
  return renderFrame(canvas, (ctx) => draw(ctx, canvas, heatmap, options));
}

function draw(
  ctx: CanvasRenderingContext2D,
  canvas: HTMLCanvasElement,
  heatmap: Heatmap,
  options: RenderHeatmapOptions,
): number {
  const cells = heatmap.cells;
  const width = canvas.width;
  const height = canvas.height;
  if (cells.length === 0 || width === 0 || height === 0) return 0;
  const ratio = pixelRatioOf(canvas, options.pixelRatio);
  const radius = (options.radius ?? 25) * ratio;
  const blur = (options.blur ?? 15) * ratio;
  const step = Math.max(1, Math.round(options.step ?? blur / 4));
  const perSample = ((options.scale ?? 1) * ratio) / step; // page px → samples
  const minOpacity = options.minOpacity ?? 0.05;
  let max = options.max ?? heatmap.max;
  if (!(max > 0)) for (const cell of cells) max = Math.max(max || 0, cell.count);

  const kernelKey = `${radius},${blur},${step}`;
  let kernel = kernels.get(kernelKey);
  if (!kernel) kernels.set(kernelKey, (kernel = pointKernel(radius, blur, step)));
  const { size, reach, phases, taps, spans } = kernel;

  // The intensity grid: sample (i, j) stands for the canvas px square at (i * step, j * step).
  const w = Math.ceil(width / step);
  const h = Math.ceil(height / step);
  if (field.length < w * h) field = new Float64Array(w * h);
  else field.fill(0, 0, w * h);
  const f = field;

  // Stamp every cell. bx0..bx1, by0..by1: the samples touched so far (half-open box).
  const cx = heatmap.cellSize / 2 - (options.origin?.x ?? 0); // cell corner → point, minus the origin
  const cy = heatmap.cellSize / 2 - (options.origin?.y ?? 0);
  let bx0 = w;
  let by0 = h;
  let bx1 = 0;
  let by1 = 0;
  let drawn = 0;
  for (let c = 0; c < cells.length; c++) {
    const cell = cells[c]!;
    if (!(cell.count > 0)) continue;
    // The cell centre in sample coordinates (sample centres at integers), in 1/phases steps:
    // iu, iv its sample, pu, pv the sub-sample phase that picks the kernel table.
    const su = Math.round(((cell.x + cx) * perSample - 0.5) * phases);
    const sv = Math.round(((cell.y + cy) * perSample - 0.5) * phases);
    const iu = Math.floor(su / phases);
    const iv = Math.floor(sv / phases);
    const pu = su - iu * phases;
    const pv = sv - iv * phases;
    const x0 = iu - reach; // sample under tap (0, 0)
    const y0 = iv - reach;
    if (x0 >= w || y0 >= h || x0 + size <= 0 || y0 + size <= 0) continue;
    let a = cell.count / max;
    a = Math.max(minOpacity, Math.min(1, a));
    const table = taps[pv * phases + pu]!;
    const span = spans[pv * phases + pu]!;
    const tyEnd = Math.min(size, h - y0);
    for (let ty = Math.max(0, -y0); ty < tyEnd; ty++) {
      const from = Math.max(span[2 * ty]!, -x0);
      const to = Math.min(span[2 * ty + 1]!, w - x0);
      // i: sample index, t: tap index; source-over: f ← f + s·(1 − f).
      for (let i = (y0 + ty) * w + x0 + from, t = ty * size + from, end = t + to - from; t < end; i++, t++) {
        const fi = f[i]!;
        f[i] = fi + a * table[t]! * (1 - fi);
      }
    }
    if (x0 < bx0) bx0 = x0;
    if (y0 < by0) by0 = y0;
    if (x0 + size > bx1) bx1 = x0 + size;
    if (y0 + size > by1) by1 = y0 + size;
    drawn++;
  }
  if (drawn === 0) return 0;
  bx0 = Math.max(0, bx0);
  by0 = Math.max(0, by0);
  bx1 = Math.min(w, bx1);
  by1 = Math.min(h, by1);

  // Colour the touched box, framed by one transparent sample so smoothing fades to nothing.
  const lut = colourTable(
    options.gradient ?? DEFAULT_GRADIENT,
    options.maxOpacity ?? 0.8,
    options.opaqueAt ?? 1,
  );
  const iw = bx1 - bx0 + 2;
  const ih = by1 - by0 + 2;
  const img = sampleImage(iw, ih);
  const pixels = new Uint32Array(img.data.buffer); // the frame stays transparent: never written
  for (let y = by0; y < by1; y++) {
    for (let i = y * w + bx0, o = (y - by0 + 1) * iw + 1, end = i + bx1 - bx0; i < end; i++, o++) {
      pixels[o] = lut[(f[i]! * 255) | 0]!;
    }
  }
  paintSamples(ctx, img, step, bx0 - 1, by0 - 1);
  return drawn;
}

/** The palette as 32-bit pixels, each entry's alpha set to min(intensity / opaqueAt, maxOpacity); entry 0 clear. */
function colourTable(gradient: Gradient, maxOpacity: number, opaqueAt: number): Uint32Array {
  const key = `${maxOpacity},${opaqueAt}${JSON.stringify(gradient)}`;
  let table = tables.get(key);
  if (table) return table;
  const rgba = createPalette(gradient).slice();
  const cap = maxOpacity * 255;
  const gain = 1 / Math.min(1, Math.max(0.01, opaqueAt));
  for (let a = 0; a < 256; a++) rgba[a * 4 + 3] = Math.min(a * gain, cap);
  rgba.fill(0, 0, 4);
  table = new Uint32Array(rgba.buffer, rgba.byteOffset, 256);
  tables.set(key, table);
  return table;
}
