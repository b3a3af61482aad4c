/** A heatmap answer's drawing part (the shape `renderHeatmap` takes), made up for browser tests and benchmarks. */
export interface SyntheticHeatmap {
  cellSize: number;
  total: number;
  max: number;
  cells: { x: number; y: number; count: number }[];
}

/**
 * `n` distinct cells (cellSize 10) of gaussian blobs plus a light uniform background, within
 * `width` × `maxY` page px; seeded, so every run draws the same picture. Sorted by count, desc.
 */
export function syntheticHeatmap(n: number, width: number, maxY: number): SyntheticHeatmap {
  let seed = 0x9e3779b9;
  const random = () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  // Blob centres and spreads as fractions of the area's width (x, s) and height (y).
  const blobs = [
    { x: 0.25, y: 0.15, s: 0.05, w: 5 },
    { x: 0.75, y: 0.25, s: 0.09, w: 3 },
    { x: 0.5, y: 0.55, s: 0.12, w: 3 },
    { x: 0.2, y: 0.8, s: 0.08, w: 2 },
    { x: 0.8, y: 0.85, s: 0.1, w: 2 },
  ];
  const weights = blobs.reduce((sum, b) => sum + b.w, 0);
  const counts = new Map<number, number>();
  const cellSize = 10;
  let total = 0;
  while (counts.size < n) {
    let x: number;
    let y: number;
    if (random() < 0.1) {
      x = random() * width;
      y = random() * maxY;
    } else {
      let pick = random() * weights;
      let blob = blobs[0]!;
      for (const b of blobs)
        if ((pick -= b.w) <= 0) {
          blob = b;
          break;
        }
      x = (blob.x + gauss() * blob.s) * width;
      y = blob.y * maxY + gauss() * blob.s * width;
    }
    if (x < 0 || y < 0 || x >= width || y >= maxY) continue;
    const id = Math.floor(y / cellSize) * 10_000 + Math.floor(x / cellSize);
    counts.set(id, (counts.get(id) ?? 0) + 1);
    total++;
  }
  const cells = [...counts].map(([id, count]) => ({
    x: (id % 10_000) * cellSize,
    y: Math.floor(id / 10_000) * cellSize,
    count,
  }));
  cells.sort((a, b) => b.count - a.count);
  return { cellSize, total, max: cells[0]!.count, cells };
}
