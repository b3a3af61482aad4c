/**
 * A colour gradient: stops from 0 to 1 mapped to CSS colours, e.g. `{ 0.4: 'blue', 1: 'red' }`.
 * The stop is the intensity (heatmap) or the share of page views (scroll reach).
 */
export type Gradient = Record<number, string>;

/** The classic heatmap gradient (as in heatmap.js and simpleheat): blue → cyan → lime → yellow → red. */
export const DEFAULT_GRADIENT: Gradient = { 0.4: 'blue', 0.6: 'cyan', 0.7: 'lime', 0.8: 'yellow', 1: 'red' };

const cache = new Map<string, Uint8ClampedArray>();

/**
 * Renders a gradient into a 256-entry RGBA lookup table (1,024 bytes: entry `i` at `4 * i`),
 * by drawing it on a 256×1 canvas. Tables are cached per gradient, so call it freely.
 * Needs a DOM (`document.createElement('canvas')`).
 *
 * @example
 * ```ts
 * const palette = createPalette({ 0: 'blue', 1: 'red' });
 * palette[255 * 4]; // 255: the red channel of the hottest entry
 * ```
 */
export function createPalette(gradient: Gradient = DEFAULT_GRADIENT): Uint8ClampedArray {
  const key = JSON.stringify(gradient);
  let palette = cache.get(key);
  if (palette) return palette;
  const canvas = document.createElement('canvas');
  canvas.width = 256;
  canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const linear = ctx.createLinearGradient(0, 0, 256, 0);
  for (const stop in gradient) linear.addColorStop(+stop, gradient[stop]!);
  ctx.fillStyle = linear;
  ctx.fillRect(0, 0, 256, 1);
  palette = ctx.getImageData(0, 0, 256, 1).data;
  cache.set(key, palette);
  return palette;
}
