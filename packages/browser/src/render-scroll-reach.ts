import { createPalette, type Gradient } from './gradient';
import type { Heatmap, HeatmapReachPoint, RenderStats } from './heatmap';
import { pixelRatioOf, renderFrame } from './render-frame';

/** The default fold-view gradient: faint blue where few page views got to, red where all did. */
export const REACH_GRADIENT: Gradient = {
  0: 'rgba(0,0,255,0.08)',
  0.5: 'rgba(255,220,0,0.35)',
  1: 'rgba(255,0,0,0.5)',
};

/** Options of {@link renderScrollReach}. */
export interface RenderScrollReachOptions {
  /** Page px → canvas CSS px. Default 1. */
  scale?: number;
  /** Canvas px per CSS px. Default `canvas.width / canvas.clientWidth` when laid out, else 1. */
  pixelRatio?: number;
  /** Share (0–1) → band colour, alpha included. Default {@link REACH_GRADIENT}. */
  gradient?: Gradient;
  /** Shares that get a fold line and a label such as "75% reached". Default `[1, 0.75, 0.5, 0.25]`. */
  labels?: number[];
  /** Label font size in CSS px. Default 12. */
  fontSize?: number;
  /**
   * The page depth (page px) drawn at the canvas's top edge. Default 0. A viewport-sized canvas
   * over a tall page sets it to the scroll offset and redraws on scroll (see `renderHeatmap`).
   */
  originY?: number;
}

/**
 * The reach steps of a scroll heatmap: `heatmap.reach` when present, otherwise derived from
 * its cells (one count per page view, in the row of its deepest point) over `heatmap.total`.
 */
function reachOf(heatmap: Heatmap): HeatmapReachPoint[] {
  if (heatmap.reach) return heatmap.reach;
  const rows = new Map<number, number>();
  let sum = 0;
  for (const cell of heatmap.cells) {
    rows.set(cell.y, (rows.get(cell.y) ?? 0) + cell.count);
    sum += cell.count;
  }
  const total = Math.max(heatmap.total, sum);
  const ys = [...rows.keys()].sort((a, b) => a - b);
  const points: HeatmapReachPoint[] = [];
  let reached = sum;
  for (const y of ys) {
    points.push({ y, share: reached / total });
    reached -= rows.get(y)!;
  }
  return points;
}

/**
 * Draws the fold view of a scroll heatmap: horizontal bands down the canvas, each coloured
 * by the share of page views that scrolled at least that deep, with fold lines and labels
 * ("75% reached") where the share drops below each of `labels`. Replaces the canvas content.
 *
 * The share of a reach point holds from its `y` down to the next point (from the top of the
 * page for the first one) and for one cell below the last one; deeper than that nothing is
 * drawn. Without `heatmap.reach` the steps are derived from the cells. Scaled like
 * {@link renderHeatmap}; the context's transform and state are left as they were. Needs a DOM.
 *
 * @returns how many bands were drawn and how long it took.
 * @example
 * ```ts
 * const heatmap = await (await fetch('/mt/heatmap?url=/pricing&kind=scroll')).json();
 * renderScrollReach(document.querySelector('canvas')!, heatmap);
 * ```
 */
export function renderScrollReach(
  canvas: HTMLCanvasElement,
  heatmap: Heatmap,
  options: RenderScrollReachOptions = {},
): RenderStats {
  return renderFrame(canvas, (ctx) => draw(ctx, canvas, heatmap, options));
}

function draw(
  ctx: CanvasRenderingContext2D,
  canvas: HTMLCanvasElement,
  heatmap: Heatmap,
  options: RenderScrollReachOptions,
): number {
  const width = canvas.width;
  const points = reachOf(heatmap);
  if (points.length === 0) return 0;
  const ratio = pixelRatioOf(canvas, options.pixelRatio);
  const k = (options.scale ?? 1) * ratio;
  const oy = options.originY ?? 0;
  const height = canvas.height;
  const palette = createPalette(options.gradient ?? REACH_GRADIENT);

  // Band i covers [top, ends[i]) page px at shares[i].
  const ends: number[] = [];
  const shares: number[] = [];
  let top = 0;
  for (let i = 0; i < points.length; i++) {
    const share = Math.min(1, Math.max(0, points[i]!.share));
    const end = i + 1 < points.length ? points[i + 1]!.y : points[i]!.y + heatmap.cellSize;
    const y0 = Math.max(0, Math.round((top - oy) * k));
    const y1 = Math.min(height, Math.round((end - oy) * k));
    if (y1 > y0) {
      const p = Math.round(share * 255) * 4;
      ctx.fillStyle = `rgba(${palette[p]},${palette[p + 1]},${palette[p + 2]},${palette[p + 3]! / 255})`;
      ctx.fillRect(0, y0, width, y1 - y0);
    }
    ends.push(end);
    shares.push(share);
    top = end;
  }

  const fontSize = (options.fontSize ?? 12) * ratio;
  ctx.font = `${fontSize}px sans-serif`;
  ctx.textBaseline = 'bottom';
  ctx.lineWidth = ratio;
  ctx.setLineDash([4 * ratio, 4 * ratio]); // undone by the caller's restore()
  let lastDepth = -1;
  let lastLabel = Number.NEGATIVE_INFINITY; // canvas y of the last label drawn
  const levels = [...(options.labels ?? [1, 0.75, 0.5, 0.25])].sort((a, b) => b - a);
  for (const level of levels) {
    // The fold for `level`: the bottom of the deepest band that at least `level` of views reached.
    let depth = -1;
    for (let i = 0; i < shares.length; i++) if (shares[i]! >= level - 1e-9) depth = ends[i]!;
    if (depth < 0 || depth === lastDepth) continue; // a higher level already marks this fold
    lastDepth = depth;
    const y = Math.round((depth - oy) * k) - ratio / 2;
    if (y < 0 || y > height + fontSize) continue; // off the canvas
    ctx.strokeStyle = 'rgba(0,0,0,0.6)';
    ctx.beginPath();
    ctx.moveTo(0, y);
    ctx.lineTo(width, y);
    ctx.stroke();
    const pad = 3 * ratio;
    if (y - lastLabel < fontSize + 2 * pad) continue; // the line only: no room for its label
    lastLabel = y;
    const text = `${Math.round(level * 100)}% reached`;
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    ctx.fillRect(pad, y - fontSize - 2 * pad, ctx.measureText(text).width + 2 * pad, fontSize + 2 * pad);
    ctx.fillStyle = '#000';
    ctx.fillText(text, 2 * pad, y - pad);
  }
  return points.length;
}
