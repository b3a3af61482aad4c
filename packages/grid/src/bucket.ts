import { InvalidGridOptionError } from './errors';

/** Default viewport-width breakpoints in px: phones, large phones, tablets, laptops, desktops, wide screens. */
export const DEFAULT_BREAKPOINTS: readonly number[] = Object.freeze([0, 576, 768, 992, 1200, 1400]);

/** Throws unless breakpoints start at 0, increase strictly, are integers, and number at most 256. */
export function assertBreakpoints(breakpoints: readonly number[]): void {
  const ok =
    Array.isArray(breakpoints) &&
    breakpoints.length >= 1 &&
    breakpoints.length <= 256 &&
    breakpoints[0] === 0 &&
    breakpoints.every((b, i) => Number.isInteger(b) && (i === 0 || b > breakpoints[i - 1]!));
  if (!ok) {
    throw new InvalidGridOptionError(
      `breakpoints must be 1 to 256 strictly increasing integers starting at 0, got ${JSON.stringify(breakpoints)}`,
    );
  }
}

/**
 * The viewport-width bucket of `vw`: the index of the last breakpoint ≤ `vw`. Pages reflow
 * with the viewport, so clicks are only comparable within one bucket.
 *
 * @example
 * ```ts
 * bucketOf(390);  // 0 (phone)
 * bucketOf(1280); // 4
 * ```
 */
export function bucketOf(vw: number, breakpoints: readonly number[] = DEFAULT_BREAKPOINTS): number {
  let bucket = 0;
  for (let i = 1; i < breakpoints.length; i++) {
    if (vw >= breakpoints[i]!) bucket = i;
    else break;
  }
  return bucket;
}
