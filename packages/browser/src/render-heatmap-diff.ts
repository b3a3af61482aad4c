import { createPalette, type Gradient } from './gradient';
import type { Heatmap, RenderStats } from './heatmap';
import { paintSamples, sampleImage } from './paint-samples';
import { type PointKernel, pointKernel } from './point-kernel';
import { pixelRatioOf, renderFrame } from './render-frame';

/** The default diverging palette (ColorBrewer RdBu): blue where the share fell, red where it grew. */
export const DIFF_GRADIENT: Gradient = {
  0: '#2166ac',
  0.25: '#67a9cf',
  0.5: '#f7f7f7',
  0.75: '#ef8a62',
  1: '#b2182b',
};

/** Options of {@link renderHeatmapDiff}: those of `renderHeatmap` that apply, plus the palette. */
export interface RenderHeatmapDiffOptions {
  /** Radius of each point before blurring, canvas CSS px. Default 25. */
  radius?: number;
  /** How far each point's edge fades, inwards and outwards. Default 15. */
  blur?: number;
  /** Opacity where the two periods together are busiest, 0–1. Default 0.85. */
  maxOpacity?: number;
  /** Change → colour: 0 is "only in the baseline", 0.5 "the same share", 1 "only now". Default {@link DIFF_GRADIENT}. */
  gradient?: Gradient;
  /** Page px → canvas CSS px. Default 1. */
  scale?: number;
  /** Canvas px per CSS px. Default `canvas.width / canvas.clientWidth` when laid out, else 1. */
  pixelRatio?: number;
  /** The page point drawn at the canvas's top-left corner, as for `renderHeatmap`. Default `{ x: 0, y: 0 }`. */
  origin?: { x: number; y: number };
  /** Grid spacing in canvas px, as for `renderHeatmap`. Default a quarter of the blur. */
  step?: number;
  /**
   * Contrast of the change: the palette position is `0.5 ± |c|^gamma / 2` for a change `c` in
   * [−1, 1], and unchanged spots are drawn at 45 % of their opacity, rising to full with
   * `|c|^gamma`. Default 0.5, so a +38 % change (c = 0.16) is clearly coloured; 1 is linear.
   */
  gamma?: number;
}

/**
 * Where a ratio of shares `r` (now ÷ before; `Infinity` for "only now") lands on the diverging
 * palette, 0–1, for a `gamma` (see {@link RenderHeatmapDiffOptions}): for a legend that matches
 * the drawing.
 */
export function diffPalettePosition(ratio: number, gamma = 0.5): number {
  const c = Number.isFinite(ratio) ? (ratio - 1) / (ratio + 1) : 1;
  return 0.5 + (Math.sign(c) * Math.abs(c) ** gamma) / 2;
}

let fieldA = new Float64Array(0);
let fieldB = new Float64Array(0);
const kernels = new Map<string, PointKernel>();

/**
 * Draws what changed between two heatmaps of one page, each normalised by its own total so that
 * more traffic is not mistaken for a change: every cell adds `count / total` of its period,
 * blurred as in `renderHeatmap` but summed linearly, into a field for `current` (A) and one for
 * `baseline` (B). Where either is non-zero the colour is the symmetric change
 * `(A − B) / (A + B)` (−1: only in the baseline, 0: the same share, +1: only now) through a
 * diverging palette, and the opacity grows with `A + B` (the square root of its share of the
 * busiest spot), so a change where few events fell stays faint. Replaces the canvas content.
 *
 * A ratio of shares `r = A / B` is the change `(r − 1) / (r + 1)`: twice the share ("+100 %") is
 * +1/3, half the share ("−50 %") −1/3; `gamma` spreads small changes over more of the palette
 * ({@link diffPalettePosition} gives a ratio's place on it, for a legend). Needs a DOM.
 *
 * @returns the cells of both heatmaps that were drawn and how long it took.
 * @example
 * ```ts
 * const now = await (await fetch('/mt/heatmap?url=/&kind=click&from=2024-06-08&to=2024-06-14')).json();
 * const before = await (await fetch('/mt/heatmap?url=/&kind=click&from=2024-06-01&to=2024-06-07')).json();
 * renderHeatmapDiff(canvas, now, before);
 * ```
 */
export function renderHeatmapDiff(
  canvas: HTMLCanvasElement,
  current: Heatmap,
  baseline: Heatmap,
  options: RenderHeatmapDiffOptions = {},
): RenderStats {
  return renderFrame(canvas, (ctx) => draw(ctx, canvas, current, baseline, options));
}

function draw(
  ctx: CanvasRenderingContext2D,
  canvas: HTMLCanvasElement,
  current: Heatmap,
  baseline: Heatmap,
  options: RenderHeatmapDiffOptions,
): number {
  const width = canvas.width;
  const height = canvas.height;
  if (width === 0 || height === 0) return 0;
  const ratio = pixelRatioOf(canvas, options.pixelRatio);
  const radius = (options.radius ?? 25) * ratio;
  const blur = (options.blur ?? 15) * ratio;
  const step = Math.max(1, Math.round(options.step ?? blur / 4));
  const perSample = ((options.scale ?? 1) * ratio) / step;
  const kernelKey = `${radius},${blur},${step}`;
  let kernel = kernels.get(kernelKey);
  if (!kernel) kernels.set(kernelKey, (kernel = pointKernel(radius, blur, step)));

  const w = Math.ceil(width / step);
  const h = Math.ceil(height / step);
  if (fieldA.length < w * h) {
    fieldA = new Float64Array(w * h);
    fieldB = new Float64Array(w * h);
  } else {
    fieldA.fill(0, 0, w * h);
    fieldB.fill(0, 0, w * h);
  }
  const box = [w, h, 0, 0]; // touched samples: x0, y0, x1, y1 (half-open)
  const ox = options.origin?.x ?? 0;
  const oy = options.origin?.y ?? 0;
  const drawn =
    stamp(fieldA, current, kernel, w, h, perSample, ox, oy, box) +
    stamp(fieldB, baseline, kernel, w, h, perSample, ox, oy, box);
  if (drawn === 0) return 0;
  const bx0 = Math.max(0, box[0]!);
  const by0 = Math.max(0, box[1]!);
  const bx1 = Math.min(w, box[2]!);
  const by1 = Math.min(h, box[3]!);

  // The busiest spot of both periods together sets full opacity.
  let peak = 0;
  for (let y = by0; y < by1; y++) {
    for (let i = y * w + bx0, end = y * w + bx1; i < end; i++) {
      const v = fieldA[i]! + fieldB[i]!;
      if (v > peak) peak = v;
    }
  }
  if (!(peak > 0)) return 0;
  const palette = createPalette(options.gradient ?? DIFF_GRADIENT);
  const cap = (options.maxOpacity ?? 0.85) * 255;
  const gamma = options.gamma ?? 0.5;
  const iw = bx1 - bx0 + 2;
  const ih = by1 - by0 + 2;
  const img = sampleImage(iw, ih);
  const out = img.data;
  for (let y = by0; y < by1; y++) {
    for (let i = y * w + bx0, o = ((y - by0 + 1) * iw + 1) * 4, end = y * w + bx1; i < end; i++, o += 4) {
      const a = fieldA[i]!;
      const b = fieldB[i]!;
      const sum = a + b;
      if (sum <= 0) {
        out[o + 3] = 0;
        continue;
      }
      const c = (a - b) / sum; // the change, −1 (only before) … +1 (only now)
      const m = Math.abs(c) ** gamma;
      const p = ((c < 0 ? 1 - m : 1 + m) * 127.5) | 0; // palette entry 0..255
      out[o] = palette[p * 4]!;
      out[o + 1] = palette[p * 4 + 1]!;
      out[o + 2] = palette[p * 4 + 2]!;
      out[o + 3] = Math.min(cap, Math.sqrt(sum / peak) * cap * 1.6) * (0.45 + 0.55 * m);
    }
  }
  paintSamples(ctx, img, step, bx0 - 1, by0 - 1);
  return drawn;
}

/**
 * Adds `count / total` of every cell, times the kernel, into `f` (a `w` × `h` sample grid);
 * widens `box`; returns the cells stamped.
 */
function stamp(
  f: Float64Array,
  heatmap: Heatmap,
  kernel: PointKernel,
  w: number,
  h: number,
  perSample: number,
  ox: number,
  oy: number,
  box: number[],
): number {
  const { size, reach, phases, taps, spans } = kernel;
  const cells = heatmap.cells;
  let total = heatmap.total;
  if (!(total > 0)) for (const cell of cells) total = (total || 0) + cell.count;
  if (!(total > 0)) return 0;
  const cx = heatmap.cellSize / 2 - ox;
  const cy = heatmap.cellSize / 2 - oy;
  let drawn = 0;
  for (let c = 0; c < cells.length; c++) {
    const cell = cells[c]!;
    if (!(cell.count > 0)) continue;
    const su = Math.round(((cell.x + cx) * perSample - 0.5) * phases);
    const sv = Math.round(((cell.y + cy) * perSample - 0.5) * phases);
    const iu = Math.floor(su / phases);
    const iv = Math.floor(sv / phases);
    const x0 = iu - reach;
    const y0 = iv - reach;
    if (x0 >= w || y0 >= h || x0 + size <= 0 || y0 + size <= 0) continue;
    const share = cell.count / total;
    const k = (sv - iv * phases) * phases + (su - iu * phases);
    const table = taps[k]!;
    const span = spans[k]!;
    const tyEnd = Math.min(size, h - y0);
    for (let ty = Math.max(0, -y0); ty < tyEnd; ty++) {
      const from = Math.max(span[2 * ty]!, -x0);
      const to = Math.min(span[2 * ty + 1]!, w - x0);
      for (let i = (y0 + ty) * w + x0 + from, t = ty * size + from, end = t + to - from; t < end; i++, t++) {
        f[i]! += share * table[t]!;
      }
    }
    if (x0 < box[0]!) box[0] = x0;
    if (y0 < box[1]!) box[1] = y0;
    if (x0 + size > box[2]!) box[2] = x0 + size;
    if (y0 + size > box[3]!) box[3] = y0 + size;
    drawn++;
  }
  return drawn;
}
