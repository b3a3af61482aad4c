/**
 * What the pipeline reports as it works, for metrics and logs: the facade turns these into
 * Prometheus samples (`monkeytracker/metrics`) and log lines (a pino-compatible `logger`).
 */
export type PipelineEvent =
  | {
      type: 'merge';
      /** How long the `storage.merge` call took (or until it was given up), ms. */
      ms: number;
      /** Entries (key × position) sent. */
      entries: number;
      ok: boolean;
      /** The error's code when it failed. */
      code?: string;
    }
  | {
      type: 'recovery';
      phase: 'start' | 'done';
      fromPosition: number;
      toPosition: number;
      events: number;
      ms: number;
    };
