/**
 * The intensity of one heatmap point sampled on a coarse grid, precomputed once per radius,
 * blur and grid step: a disc of `radius` whose edge fades over `blur` on each side (a
 * smoothstep from `radius - blur` to `radius + blur`, the look of simpleheat's blurred
 * circle). Points rarely sit on a sample, so the kernel is tabulated for `phases × phases`
 * sub-sample offsets and a point uses the nearest one.
 */
export interface PointKernel {
  /** Taps per side. */
  size: number;
  /** Tap `(t, t)` lies `reach + phase offset` samples left/up of the point's sample. */
  reach: number;
  /** Sub-sample offsets per axis. */
  phases: number;
  /** `phases²` tables of `size²` intensities in [0, 1], indexed by `phaseY * phases + phaseX`. */
  taps: Float32Array[];
  /** Per table and row, the first and one-past-last non-zero tap: `[from0, to0, from1, to1, …]`. */
  spans: Int32Array[];
}

/**
 * Tabulates a point of `radius` and `blur` (canvas px) sampled every `step` canvas px.
 *
 * @example
 * ```ts
 * const k = pointKernel(25, 15, 5); // 18 taps per side, 16 sub-sample phases
 * ```
 */
export function pointKernel(radius: number, blur: number, step: number, phases = 4): PointKernel {
  const outer = radius + blur;
  const reach = Math.ceil(outer / step);
  const size = 2 * reach + 2;
  const taps: Float32Array[] = [];
  const spans: Int32Array[] = [];
  for (let py = 0; py < phases; py++) {
    for (let px = 0; px < phases; px++) {
      const table = new Float32Array(size * size);
      const span = new Int32Array(size * 2);
      for (let ty = 0; ty < size; ty++) {
        const dy = (ty - reach - py / phases) * step;
        let from = size;
        let to = 0;
        for (let tx = 0; tx < size; tx++) {
          const dx = (tx - reach - px / phases) * step;
          const d = Math.sqrt(dx * dx + dy * dy);
          let v: number;
          if (blur <= 0) v = d <= radius ? 1 : 0;
          else {
            const t = Math.min(1, Math.max(0, (outer - d) / (2 * blur)));
            v = t * t * (3 - 2 * t);
          }
          table[ty * size + tx] = v;
          if (v > 0) {
            if (tx < from) from = tx;
            to = tx + 1;
          }
        }
        span[2 * ty] = from;
        span[2 * ty + 1] = Math.max(from, to);
      }
      taps.push(table);
      spans.push(span);
    }
  }
  return { size, reach, phases, taps, spans };
}
