// Shared by the heatmap renderers: the coloured sample grid is written into one ImageData and
// smoothed up to the canvas with a single bilinear drawImage (one canvas call per render).
// Reused between calls: rendering is synchronous.
let image: ImageData | undefined;
let small: HTMLCanvasElement | undefined;

/**
 * An `iw` × `ih` ImageData to colour samples into, reused while the size stays (its pixels are
 * overwritten, so the caller writes every one, the one-sample transparent frame included).
 */
export function sampleImage(iw: number, ih: number): ImageData {
  if (!image || image.width !== iw || image.height !== ih) image = new ImageData(iw, ih);
  return image;
}

/**
 * Draws `img`, whose pixel (0, 0) is sample `(sx, sy)` of a grid every `step` canvas px, onto
 * the canvas: as is at step 1, else scaled up by `step` with bilinear smoothing.
 */
export function paintSamples(
  ctx: CanvasRenderingContext2D,
  img: ImageData,
  step: number,
  sx: number,
  sy: number,
): void {
  if (step === 1) {
    ctx.putImageData(img, sx, sy);
    return;
  }
  if (!small) small = document.createElement('canvas');
  if (small.width !== img.width || small.height !== img.height) {
    small.width = img.width;
    small.height = img.height;
  }
  small.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, sx * step, sy * step, img.width * step, img.height * step);
}
