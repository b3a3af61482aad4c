import type { RenderStats } from './heatmap';

/**
 * Runs one render on a cleared canvas with an identity transform, restores the context's state
 * afterwards (even when drawing throws) and times it. Shared by both renderers.
 */
export function renderFrame(
  canvas: HTMLCanvasElement,
  draw: (ctx: CanvasRenderingContext2D) => number,
): RenderStats {
  const start = performance.now();
  const ctx = canvas.getContext('2d')!;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  let drawn = 0;
  try {
    drawn = draw(ctx);
  } finally {
    ctx.restore();
  }
  return { drawn, ms: performance.now() - start };
}

/** Device pixels per CSS pixel of the canvas: the option, else backing width ÷ CSS width. */
export function pixelRatioOf(canvas: HTMLCanvasElement, option: number | undefined): number {
  return option ?? (canvas.clientWidth > 0 ? canvas.width / canvas.clientWidth : 1);
}
