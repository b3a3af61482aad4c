// How each view is drawn on a pane's canvas, what the pointer reads out, and the legend's scale.
// The renderers are @monkeytracker/browser's; this file picks their options for the viewer.
import {
  createPalette,
  DIFF_GRADIENT,
  diffPalettePosition,
  type Gradient,
  renderHeatmap,
  renderHeatmapDiff,
  renderScrollReach,
} from '@monkeytracker/browser';
import type { Box, ElementHeatmap, HeatmapAnswer, HeatmapRange, Kind, ReachPoint } from './api';
import { elementAt, elementRadius, heatPoints, type Placement, shortSelector } from './elements';
import type { StageView } from './stage';
import type { CompareMode } from './url-state';

/**
 * The heat palette: cyan-blue → green → yellow → orange → red. Its cold end is bright (not the
 * classic dark blue), and a single event is drawn nearly opaque (see OPAQUE_AT), so one click
 * shows on a white section and on a near-black one alike (the page is also dimmed beneath).
 */
export const HEAT_GRADIENT: Gradient = {
  0: '#2f8cff',
  0.35: '#00d9c5',
  0.55: '#63f23b',
  0.72: '#ffe100',
  0.87: '#ff8a00',
  1: '#ff2424',
};
/** Intensity of a cell with one event; the hottest cell is 1. */
export const MIN_INTENSITY = 0.45;
/** From this intensity on, heat is fully opaque: a single click is as solid as a hot spot, its colour tells them apart. */
const OPAQUE_AT = 0.5;
const MAX_OPACITY = 0.92;
/** Reach bands: faint where few page views got to, strong where all did. */
export const REACH_COLOURS: Gradient = {
  0: 'rgba(47,140,255,0.22)',
  0.5: 'rgba(255,225,0,0.36)',
  1: 'rgba(255,60,36,0.4)',
};
/** Point size in page px (scaled with the page, never below a few screen px). */
const RADIUS = 18;
const BLUR = 12;

/** What is on screen: the data and the choices that decide how it is drawn. */
export type Scene = PageScene | ElementScene;

/** Page mode: cells of page coordinates. */
export interface PageScene {
  mode: 'page';
  kind: Kind;
  compare: CompareMode;
  heatmap: HeatmapAnswer;
  /**
   * A range as drawn now: the cells on fixed and sticky elements moved along with them (see
   * `pinned.ts`). Absent for scroll depth, and for exports (the whole page, as at scroll 0).
   */
  follow?(range: HeatmapRange): HeatmapRange;
}

/** Element mode: the clicked elements, drawn on their boxes as the page is laid out now. */
export interface ElementScene {
  mode: 'element';
  kind: Kind;
  compare: 'off';
  heatmap: ElementHeatmap;
  /** Where the elements are now: looked up again on every call (every paint). */
  place(): Placement;
  /** The selector outlined on the map. */
  highlight?: string;
}

/** The kind's noun, for text: "clicks", "page views", "moves", "rage clicks", "dead clicks". */
export function noun(kind: Kind, n = 2): string {
  if (kind === 'scroll') return n === 1 ? 'page view' : 'page views';
  if (kind === 'move') return n === 1 ? 'move' : 'moves';
  const click = n === 1 ? 'click' : 'clicks';
  return kind === 'rage' ? `rage ${click}` : kind === 'dead' ? `dead ${click}` : click;
}

/**
 * Point size on screen. A difference is drawn with points twice as large: it compares two noisy
 * samples, so it is smoothed over a wider area (a button, not a cell) before it is coloured.
 * `radius` (page px) is the element mode's, sized to the elements' inner cells.
 */
function pointSize(scale: number, diff = false, radius = RADIUS): { radius: number; blur: number } {
  const k = diff ? 2 : 1;
  const blur = (radius * BLUR) / RADIUS;
  return {
    radius: Math.max((7 * k * radius) / RADIUS, radius * k * scale),
    blur: Math.max((4 * k * radius) / RADIUS, blur * k * scale),
  };
}

/** The point radius (page px) of an element scene: see {@link elementRadius}. */
const radiusCache = new WeakMap<ElementHeatmap, number>();
function sceneRadius(answer: ElementHeatmap): number {
  let r = radiusCache.get(answer);
  if (r === undefined) radiusCache.set(answer, (r = elementRadius(answer, RADIUS)));
  return r;
}

/** The largest share of its range any one cell has, over both ranges (side by side: one scale for both). */
function peakShare(scene: PageScene): number {
  const share = (h: HeatmapRange | undefined) => (h && h.total > 0 ? h.max / h.total : 0);
  return Math.max(share(scene.heatmap), share(scene.heatmap.compare));
}

/** `range` as the scene draws it now (fixed and sticky elements' heat moved along with them). */
const drawnRange = (scene: PageScene, range: HeatmapRange): HeatmapRange =>
  scene.follow ? scene.follow(range) : range;

/** The range a pane shows: the period, or (side by side, pane 1) the baseline. */
export function rangeOf(scene: PageScene, pane: number): HeatmapRange {
  return pane === 1 && scene.heatmap.compare ? scene.heatmap.compare : scene.heatmap;
}

/** Draws pane `pane` of the scene for the window `view`. */
export function paintPane(canvas: HTMLCanvasElement, scene: Scene, pane: number, view: StageView): void {
  if (scene.mode === 'element') {
    paintElements(canvas, scene, view);
    return;
  }
  const common = { scale: view.scale, pixelRatio: view.dpr };
  const diff = scene.compare === 'diff' && scene.heatmap.compare;
  if (scene.kind === 'scroll') {
    if (diff) paintReachDiff(canvas, scene.heatmap, scene.heatmap.compare!, view);
    else {
      const range = rangeOf(scene, pane);
      renderScrollReach(canvas, range, {
        ...common,
        originY: view.originY,
        gradient: REACH_COLOURS,
        labels: [0.75, 0.5, 0.25],
        fontSize: 12,
      });
      paintFold(canvas, range, view);
    }
    return;
  }
  const origin = { x: 0, y: view.originY };
  if (diff) {
    renderHeatmapDiff(canvas, drawnRange(scene, scene.heatmap), drawnRange(scene, scene.heatmap.compare!), {
      ...common,
      ...pointSize(view.scale, true),
      origin,
    });
    return;
  }
  const range = rangeOf(scene, pane);
  // Side by side, both panes share one scale: intensity is the cell's share of its own range.
  const max = scene.compare === 'side' && scene.heatmap.compare ? peakShare(scene) * range.total : range.max;
  renderHeatmap(canvas, drawnRange(scene, range), {
    ...common,
    ...pointSize(view.scale),
    origin,
    max,
    minOpacity: MIN_INTENSITY,
    maxOpacity: MAX_OPACITY,
    opaqueAt: OPAQUE_AT,
    gradient: HEAT_GRADIENT,
  });
}

/** Element mode: each element's inner cells as points on its current box, and the highlighted element's outline. */
function paintElements(canvas: HTMLCanvasElement, scene: ElementScene, view: StageView): void {
  const answer = scene.heatmap;
  const placement = scene.place();
  const units = answer.grid.units;
  renderHeatmap(
    canvas,
    { cellSize: 0, total: answer.total, max: answer.cellMax, cells: heatPoints(placement, units) },
    {
      scale: view.scale,
      pixelRatio: view.dpr,
      ...pointSize(view.scale, false, sceneRadius(answer)),
      origin: { x: 0, y: view.originY },
      max: Math.max(1, answer.cellMax),
      minOpacity: MIN_INTENSITY,
      maxOpacity: MAX_OPACITY,
      opaqueAt: OPAQUE_AT,
      gradient: HEAT_GRADIENT,
    },
  );
  const lit = scene.highlight ? placement.placed.find((p) => p.heat.selector === scene.highlight) : undefined;
  if (lit)
    outline(
      canvas,
      lit.box,
      lit.onPage,
      `${shortSelector(lit.heat.selector)} · ${lit.heat.count.toLocaleString('en-US')}`,
      view,
    );
}

/** The outline of a highlighted element (dashed when drawn at its recorded box), with its name. */
function outline(canvas: HTMLCanvasElement, box: Box, onPage: boolean, text: string, view: StageView): void {
  const ctx = canvas.getContext('2d')!;
  const k = view.scale * view.dpr;
  const pad = 4 * view.dpr;
  const x = box.x * k - pad;
  const y = (box.y - view.originY) * k - pad;
  const w = box.width * k + 2 * pad;
  const h = box.height * k + 2 * pad;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.setLineDash(onPage ? [] : [6 * view.dpr, 4 * view.dpr]);
  ctx.lineWidth = 5 * view.dpr;
  ctx.strokeStyle = 'rgba(12,16,26,0.85)';
  ctx.strokeRect(x, y, w, h);
  ctx.lineWidth = 2.5 * view.dpr;
  ctx.strokeStyle = '#ffffff';
  ctx.strokeRect(x, y, w, h);
  ctx.setLineDash([]);
  const labelY = y > 24 * view.dpr ? y - 3 * view.dpr : y + h + 21 * view.dpr;
  label(
    ctx,
    onPage ? text : `${text} (where it was)`,
    Math.max(0, Math.min(x, canvas.width - 240 * view.dpr)),
    labelY,
    view.dpr,
    true,
  );
  ctx.restore();
}

/** The share of page views whose deepest point is at least `y` (the renderer's step function). */
export function reachAt(reach: readonly ReachPoint[] | undefined, cellSize: number, y: number): number {
  if (!reach || reach.length === 0) return 0;
  for (let i = 0; i < reach.length; i++) {
    const end = i + 1 < reach.length ? reach[i + 1]!.y : reach[i]!.y + cellSize;
    if (y < end) return reach[i]!.share;
  }
  return 0;
}

/**
 * The fold of a scroll heatmap: the server's `fold` (the mean viewport height) when it sends
 * one, else the mean of the cells' `x` when they carry the viewport height there, else the
 * depth every page view reached (the shortest screen). `average` says which.
 */
export function foldOf(range: HeatmapRange): { y: number; average: boolean } | undefined {
  if (range.total === 0) return undefined;
  if (typeof range.fold === 'number' && range.fold > 0) return { y: range.fold, average: true };
  let sum = 0;
  let n = 0;
  for (const c of range.cells) {
    if (c.x > 0) {
      sum += (c.x + range.cellSize / 2) * c.count;
      n += c.count;
    }
  }
  if (n > 0 && n >= range.total * 0.5) return { y: Math.round(sum / n), average: true };
  const first = range.reach?.[0];
  return first ? { y: first.y, average: false } : undefined;
}

/** The mean of every page view's deepest point, px. */
export function averageDepth(range: HeatmapRange): number | undefined {
  let sum = 0;
  let n = 0;
  for (const c of range.cells) {
    sum += (c.y + range.cellSize / 2) * c.count;
    n += c.count;
  }
  return n > 0 ? Math.round(sum / n) : undefined;
}

function label(
  ctx: CanvasRenderingContext2D,
  text: string,
  x: number,
  y: number,
  ratio: number,
  dark: boolean,
) {
  const pad = 4 * ratio;
  ctx.font = `600 ${12 * ratio}px system-ui, sans-serif`;
  const w = ctx.measureText(text).width + 2 * pad;
  const h = 18 * ratio;
  ctx.fillStyle = dark ? 'rgba(20,24,34,0.9)' : 'rgba(255,255,255,0.92)';
  ctx.fillRect(x, y - h, w, h);
  ctx.fillStyle = dark ? '#fff' : '#111';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, x + pad, y - h / 2);
}

/** The fold line across the scroll map. */
function paintFold(canvas: HTMLCanvasElement, range: HeatmapRange, view: StageView): void {
  const fold = foldOf(range);
  if (!fold) return;
  const ctx = canvas.getContext('2d')!;
  const y = Math.round((fold.y - view.originY) * view.scale * view.dpr);
  if (y < 0 || y > canvas.height) return;
  ctx.save();
  ctx.strokeStyle = '#14c8ff';
  ctx.lineWidth = 2 * view.dpr;
  ctx.beginPath();
  ctx.moveTo(0, y);
  ctx.lineTo(canvas.width, y);
  ctx.stroke();
  const text = `${fold.average ? 'Average fold' : 'Fold (shortest screen)'} · ${Math.round(fold.y).toLocaleString('en-US')} px`;
  label(ctx, text, canvas.width - 230 * view.dpr, y - 2 * view.dpr, view.dpr, true);
  ctx.restore();
}

/** Scroll reach, compared: each band coloured by how much more (red) or less (blue) of the page views reached it. */
function paintReachDiff(canvas: HTMLCanvasElement, a: HeatmapRange, b: HeatmapRange, view: StageView): void {
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const k = view.scale * view.dpr;
  const palette = createPalette(DIFF_GRADIENT);
  const edges = new Set<number>([0]);
  for (const p of a.reach ?? []) edges.add(p.y);
  for (const p of b.reach ?? []) edges.add(p.y);
  const lastA = a.reach?.length ? a.reach[a.reach.length - 1]!.y + a.cellSize : 0;
  const lastB = b.reach?.length ? b.reach[b.reach.length - 1]!.y + b.cellSize : 0;
  edges.add(lastA);
  edges.add(lastB);
  const ys = [...edges].sort((p, q) => p - q);
  const peak = reachDiffPeak(a, b);
  for (let i = 0; i + 1 < ys.length; i++) {
    const top = ys[i]!;
    const end = ys[i + 1]!;
    const d = reachAt(a.reach, a.cellSize, top) - reachAt(b.reach, b.cellSize, top);
    const y0 = Math.max(0, Math.round((top - view.originY) * k));
    const y1 = Math.min(canvas.height, Math.round((end - view.originY) * k));
    if (y1 <= y0) continue;
    const p = Math.round((Math.max(-1, Math.min(1, d / peak)) + 1) * 127.5) * 4;
    const alpha = 0.15 + 0.5 * Math.min(1, Math.abs(d) / peak);
    ctx.fillStyle = `rgba(${palette[p]},${palette[p + 1]},${palette[p + 2]},${alpha})`;
    ctx.fillRect(0, y0, canvas.width, y1 - y0);
  }
}

/** The largest difference of reach between the ranges (at least 5 points, so noise stays pale). */
export function reachDiffPeak(a: HeatmapRange, b: HeatmapRange): number {
  let peak = 0.05;
  const ys = new Set<number>();
  for (const p of a.reach ?? []) ys.add(p.y);
  for (const p of b.reach ?? []) ys.add(p.y);
  for (const y of ys)
    peak = Math.max(peak, Math.abs(reachAt(a.reach, a.cellSize, y) - reachAt(b.reach, b.cellSize, y)));
  return peak;
}

/** Events of `range` whose cell centre is within `r` page px of `(x, y)`. */
export function countNear(range: HeatmapRange, x: number, y: number, r: number): number {
  const half = range.cellSize / 2;
  const r2 = r * r;
  let n = 0;
  for (const c of range.cells) {
    const dx = c.x + half - x;
    const dy = c.y + half - y;
    if (dx * dx + dy * dy <= r2) n += c.count;
  }
  return n;
}

/** The radius (page px) a hover readout counts events within: the drawn point's. */
export function hoverRadius(scale: number, cellSize: number, diff = false): number {
  return Math.max(cellSize, pointSize(scale, diff).radius / scale);
}

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits).replace(/\.0+$/, '')} %`;
const int = (n: number) => n.toLocaleString('en-US');

/** A signed relative change, "+38 %" / "−12 %". */
export function change(ratio: number): string {
  if (!Number.isFinite(ratio)) return 'new here';
  const v = Math.round((ratio - 1) * 100);
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v)} %`;
}

/** The lines of the hover tooltip at page point `(x, y)` of pane `pane`. */
export function readout(scene: Scene, pane: number, x: number, y: number, scale: number): string[] {
  if (scene.mode === 'element') return elementReadout(scene, x, y);
  const h = scene.heatmap;
  const b = h.compare;
  if (scene.kind === 'scroll') {
    const depth = `${int(Math.round(y))} px`;
    if (scene.compare === 'diff' && b) {
      const sa = reachAt(h.reach, h.cellSize, y);
      const sb = reachAt(b.reach, b.cellSize, y);
      const d = Math.round((sa - sb) * 100);
      return [
        `${pct(sa, 0)} of page views reached ${depth}`,
        `${pct(sb, 0)} in the baseline (${d >= 0 ? '+' : '−'}${Math.abs(d)} points)`,
      ];
    }
    const range = rangeOf(scene, pane);
    const share = reachAt(range.reach, range.cellSize, y);
    return [
      `${pct(share, 0)} of page views reached ${depth}`,
      `${int(Math.round(share * range.total))} of ${int(range.total)}`,
    ];
  }
  const r = hoverRadius(scale, h.cellSize, scene.compare === 'diff' && !!b);
  const what = noun(scene.kind);
  if (scene.compare === 'diff' && b) {
    const na = countNear(drawnRange(scene, h), x, y, r);
    const nb = countNear(drawnRange(scene, b), x, y, r);
    const sa = h.total > 0 ? na / h.total : 0;
    const sb = b.total > 0 ? nb / b.total : 0;
    if (na === 0 && nb === 0) return [`No ${what} here in either period`];
    const ratio = sb > 0 ? sa / sb : Number.POSITIVE_INFINITY;
    return [
      na > 0 && nb === 0 ? `New: ${pct(sa)} of ${what} here` : `${change(ratio)} of ${what} here`,
      `${pct(sa)} now (${int(na)}) · ${pct(sb)} before (${int(nb)})`,
    ];
  }
  const range = rangeOf(scene, pane);
  const n = countNear(drawnRange(scene, range), x, y, r);
  if (n === 0) return [`No ${what} here`];
  return [
    `${int(n)} ${noun(scene.kind, n)} here`,
    `${pct(range.total > 0 ? n / range.total : 0)} of ${int(range.total)}`,
  ];
}

/** The hover lines in element mode: the element under the pointer, its events and share. */
function elementReadout(scene: ElementScene, x: number, y: number): string[] {
  const what = noun(scene.kind);
  const hit = elementAt(scene.place(), x, y);
  if (!hit) return [`No ${what} on an element here`];
  const n = hit.heat.count;
  return [
    `${int(n)} ${noun(scene.kind, n)} on ${shortSelector(hit.heat.selector)}`,
    `${pct(hit.heat.share)} of ${int(scene.heatmap.total)}${hit.onPage ? '' : ' · not on the page now, drawn where it was'}`,
  ];
}

/** A CSS gradient of the heat palette from a single event to the hottest cell, as drawn. */
export function heatLegendCss(): string {
  const palette = createPalette(HEAT_GRADIENT);
  const stops: string[] = [];
  for (let i = 0; i <= 8; i++) {
    const t = MIN_INTENSITY + ((1 - MIN_INTENSITY) * i) / 8;
    const p = Math.round(t * 255) * 4;
    stops.push(
      `rgba(${palette[p]},${palette[p + 1]},${palette[p + 2]},${Math.min(t, MAX_OPACITY).toFixed(2)}) ${i * 12.5}%`,
    );
  }
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/** A CSS gradient of `gradient`'s stops, left to right. */
export function gradientCss(gradient: Gradient): string {
  const stops = Object.keys(gradient)
    .map(Number)
    .sort((p, q) => p - q)
    .map((t) => `${gradient[t]} ${t * 100}%`);
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/** Where a share ratio `r` (now ÷ before) sits on the diverging scale, 0–1, as renderHeatmapDiff draws it. */
export function diffPosition(ratio: number): number {
  return diffPalettePosition(ratio);
}

/** The deepest point the data reaches: a page at least this tall (for pages that cannot be measured). */
export function deepestOf(h: HeatmapAnswer | ElementHeatmap | undefined): number {
  let y = 0;
  if (h && 'mode' in h) {
    for (const e of h.elements) y = Math.max(y, e.box.y + e.box.height);
    return y;
  }
  for (const range of [h, h?.compare]) {
    if (!range) continue;
    for (const c of range.cells) y = Math.max(y, c.y + range.cellSize);
    const last = range.reach?.[range.reach.length - 1];
    if (last) y = Math.max(y, last.y + range.cellSize);
  }
  return y;
}
