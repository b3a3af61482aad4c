/**
 * "Full jitter" exponential backoff: a uniform delay in [0, min(maxMs, baseMs × 2^attempt)).
 * Writers that lost the same race pick different delays, so they do not collide again in step.
 */
export function backoffDelay(
  attempt: number,
  options: { baseMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** attempt);
  return Math.floor(random() * cap);
}
