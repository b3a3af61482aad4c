// Export of the current view: the heat layer as a PNG (the whole page, not just the window on
// screen), the data as CSV and as JSON.
import type { HeatmapRange } from './api';
import { paintPane, type Scene } from './paint';
import type { ViewState } from './url-state';

/** The largest canvas side exported; taller pages are exported scaled down to fit. */
const MAX_SIDE = 16_384;

/** A file name for the view: `monkeytracker-pricing-click-1280px-2024-06-01_2024-06-30.png`. */
export function fileName(view: ViewState, width: number, extension: string): string {
  const kind = view.mode === 'element' ? `${view.kind}-elements` : view.kind;
  const slug =
    view.page
      .replace(/^[a-z]+:\/\/[^/]+/i, '')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'home';
  const compare = view.compare === 'off' ? '' : `-vs-${view.cfrom}_${view.cto}`;
  return `monkeytracker-${slug}-${kind}-${width}px-${view.from}_${view.to}${compare}.${extension}`;
}

/** Starts a download of `blob` as `name`. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The heat layer of the whole page, `width` × `height` page px (each pane side by side), on a
 * transparent background, scaled down when a side would pass {@link MAX_SIDE}.
 */
export function heatCanvas(scene: Scene, panes: number, width: number, height: number): HTMLCanvasElement {
  const gap = panes > 1 ? 16 : 0;
  const fullWidth = width * panes + gap * (panes - 1);
  const scale = Math.min(1, MAX_SIDE / height, MAX_SIDE / fullWidth);
  const out = document.createElement('canvas');
  out.width = Math.max(1, Math.round(fullWidth * scale));
  out.height = Math.max(1, Math.round(height * scale));
  const ctx = out.getContext('2d')!;
  // The whole page as at scroll 0: fixed and sticky elements' heat where it is stored (at the top).
  const still: Scene = scene.mode === 'page' ? { ...scene, follow: undefined } : scene;
  for (let pane = 0; pane < panes; pane++) {
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = out.height;
    paintPane(canvas, still, pane, { originY: 0, scale, dpr: 1, width: canvas.width, height: canvas.height });
    ctx.drawImage(canvas, Math.round(pane * (width + gap) * scale), 0);
  }
  return out;
}

export function exportPng(
  scene: Scene,
  panes: number,
  width: number,
  height: number,
  name: string,
): Promise<void> {
  const canvas = heatCanvas(scene, panes, width, height);
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => {
      if (!blob) return reject(new Error('the browser could not encode the PNG'));
      download(blob, name);
      resolve();
    }, 'image/png'),
  );
}

/** CSV of the view's data: cells (`x,y,count`) or, for scroll, reach (`depth_px,share`); a baseline column when comparing. */
export function csvOf(scene: Scene): string {
  if (scene.mode === 'element') {
    // Elements, most clicked first, with the box they are drawn at (now, or where they were).
    const lines = ['selector,count,share,x,y,width,height,on_page'];
    const round = (n: number) => Math.round(n * 10) / 10;
    for (const p of scene.place().placed) {
      const b = p.box;
      const sel = `"${p.heat.selector.replace(/"/g, '""')}"`;
      lines.push(
        `${sel},${p.heat.count},${+p.heat.share.toPrecision(6)},${round(b.x)},${round(b.y)},${round(b.width)},${round(b.height)},${p.onPage}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
  const a = scene.heatmap;
  const b = scene.compare === 'off' ? undefined : a.compare;
  if (scene.kind === 'scroll') {
    const rows = new Map<number, [number | '', number | '']>();
    for (const p of a.reach ?? []) rows.set(p.y, [p.share, '']);
    for (const p of b?.reach ?? []) rows.set(p.y, [rows.get(p.y)?.[0] ?? '', p.share]);
    const lines = [b ? 'depth_px,share,share_baseline' : 'depth_px,share'];
    for (const y of [...rows.keys()].sort((p, q) => p - q)) {
      const [sa, sb] = rows.get(y)!;
      lines.push(b ? `${y},${sa},${sb}` : `${y},${sa}`);
    }
    return `${lines.join('\n')}\n`;
  }
  const key = (c: { x: number; y: number }) => `${c.x},${c.y}`;
  const rows = new Map<string, [number, number]>();
  for (const c of a.cells) rows.set(key(c), [c.count, 0]);
  for (const c of b?.cells ?? []) rows.set(key(c), [rows.get(key(c))?.[0] ?? 0, c.count]);
  const sorted = [...rows.entries()].sort((p, q) => q[1][0] - p[1][0] || q[1][1] - p[1][1]);
  const lines = [b ? 'x,y,count,count_baseline,share,share_baseline' : 'x,y,count,share'];
  const share = (n: number, range: HeatmapRange | undefined) =>
    range && range.total > 0 ? +(n / range.total).toPrecision(6) : 0;
  for (const [cell, [na, nb]] of sorted) {
    lines.push(b ? `${cell},${na},${nb},${share(na, a)},${share(nb, b)}` : `${cell},${na},${share(na, a)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** JSON of the view: what it is (page, kind, device, ranges) and the tracker's answer as is. */
export function jsonOf(scene: Scene, view: ViewState, device: { bucket: number; width: number }): string {
  return `${JSON.stringify(
    {
      page: view.page,
      site: view.site,
      kind: view.kind,
      mode: scene.mode,
      bucket: device.bucket,
      width: device.width,
      from: view.from,
      to: view.to,
      compare: view.compare === 'off' ? undefined : { mode: view.compare, from: view.cfrom, to: view.cto },
      heatmap: scene.heatmap,
    },
    null,
    2,
  )}\n`;
}
