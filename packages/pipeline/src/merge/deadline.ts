/**
 * Races `work` against a real timer of `ms`: resolves or rejects as `work` does if it settles in
 * time, else rejects with `timedOut()`. The work itself goes on (a storage call cannot be
 * cancelled); what it does later is harmless, because merges are exactly once and reads are
 * answered again. The timer never keeps the process alive.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  if (!Number.isFinite(ms)) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), Math.max(0, ms));
    timer.unref?.();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
