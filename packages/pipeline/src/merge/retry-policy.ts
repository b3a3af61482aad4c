/**
 * The one retry policy of the pipeline: after the n-th failure in a row, wait
 * `250 ms × 2^(n-1)`, at most 30 s (flushes cap it by their deadline, ticks by the flush interval).
 */
export function retryDelay(failures: number): number {
  return Math.min(30_000, 250 * 2 ** Math.min(Math.max(failures, 1) - 1, 10));
}

/**
 * How long a flush keeps retrying: `{ until }` retries failed merges until a deadline (ms on the
 * pipeline's timer) and then throws `FLUSH_INCOMPLETE`; `{ bestEffort: true }` tries once and
 * reports what stays queued.
 */
export type FlushPolicy = { until: number } | { bestEffort: true };

/** What a flush did. */
export interface FlushOutcome {
  /** Every delta cut so far is confirmed by storage. */
  complete: boolean;
  /** Deltas still waiting for storage. */
  pendingDeltas: number;
}

/** The clock the pipeline waits with: a monotonic `now()` and `sleep`. Injected in tests. */
export interface Timer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real timer: `performance.now()` and `setTimeout`. */
export const realTimer: Timer = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
