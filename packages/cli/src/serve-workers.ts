import cluster, { type Worker } from 'node:cluster';

/** What the primary of `serve --workers N` prints once every worker listens. */
export interface WorkersBanner {
  host: string;
  prefix: string;
  /** Says where indexes and journals live, e.g. `mongodb …, journals ./data/journal/worker-0..1`. */
  where: string;
  viewer: boolean;
}

/** The environment variable that tells a forked worker its index (and so its journal directory). */
export const WORKER_INDEX_ENV = 'MONKEYTRACKER_WORKER_INDEX';
/** The message the primary sends a worker to flush, close and exit (signals may reach both). */
export const SHUTDOWN_MESSAGE = 'monkeytracker:shutdown';

/** Restarts of one worker within this window beyond which the primary gives up. */
const CRASH_WINDOW_MS = 60_000;
const MAX_CRASHES = 3;

/**
 * The primary of `serve --workers N`: forks N workers of the same command line (each runs its
 * own tracker on its own journal directory and shares the port through node:cluster), prints one
 * banner once all listen, restarts a worker that dies (at most 3 times a minute, then stops them
 * all), and on SIGINT/SIGTERM asks every worker to flush and close. Resolves with the exit code:
 * 0 when every worker closed cleanly.
 */
export function runWorkers(count: number, banner: WorkersBanner): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    let failed = false;
    let listening = 0;
    const workers = new Map<number, Worker>();
    const crashes = new Map<number, number[]>();
    const stop = (reason: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`monkeytracker: ${reason}, flushing and closing ${workers.size} workers\n`);
      for (const worker of workers.values()) worker.send(SHUTDOWN_MESSAGE);
      if (workers.size === 0) resolve(failed ? 1 : 0);
    };
    const fork = (index: number) => {
      const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
      workers.set(index, worker);
      worker.once('listening', (address) => {
        if (++listening !== count) return;
        process.stdout.write(
          `monkeytracker listening on http://${banner.host}:${address.port}${banner.prefix} (${count} workers, ${banner.where})\n`,
        );
        if (banner.viewer)
          process.stdout.write(
            `  heatmap viewer http://${banner.host}:${address.port}${banner.prefix}/viewer/\n`,
          );
      });
      worker.once('exit', (code, signal) => {
        workers.delete(index);
        if (code !== 0) failed = true;
        if (stopping) {
          if (workers.size === 0) resolve(failed ? 1 : 0);
          return;
        }
        const now = Date.now();
        const recent = (crashes.get(index) ?? []).filter((t) => now - t < CRASH_WINDOW_MS);
        recent.push(now);
        crashes.set(index, recent);
        const how = signal ? `signal ${signal}` : `code ${code}`;
        if (recent.length > MAX_CRASHES) {
          stop(`worker ${index} exited (${how}) ${recent.length} times within a minute`);
          return;
        }
        failed = false;
        process.stderr.write(
          `monkeytracker: worker ${index} exited (${how}); restarting it on its journal\n`,
        );
        fork(index);
      });
    };
    for (let i = 0; i < count; i++) fork(i);
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/** The index of this process as a `serve --workers` worker, or `undefined` outside one. */
export function workerIndex(): number | undefined {
  if (!cluster.isWorker) return undefined;
  const index = Number(process.env[WORKER_INDEX_ENV]);
  return Number.isInteger(index) && index >= 0 ? index : undefined;
}
