/**
 * Shared pieces of the benchmark areas: running tinybench tasks, describing the machine,
 * formatting numbers and markdown tables, and sampling peak memory.
 *
 * An area is a module `src/<area>.bench.ts` whose default export is an {@link BenchArea}.
 * `run.ts` runs the chosen areas, writes each one's section to `results/<area>.md`, and
 * regenerates `RESULTS.md` from every section on disk, so running one area keeps the others.
 */
import { cpus, totalmem } from 'node:os';
import { seededRandom } from '@monkeytracker/test-kit';
import { Bench, type TaskResult } from 'tinybench';

/** One benchmark area: its `run` checks results are right, times them, and returns markdown. */
export interface BenchArea {
  /** Short name used on the command line (`pnpm bench codec`) and as the results file name. */
  name: string;
  /** Title of the section in RESULTS.md. */
  title: string;
  /** Runs the benchmarks; returns the body of the section (markdown, without the title). */
  run(): Promise<string>;
}

/** Timing of one task: mean latency in ms, percentiles, and operations per second. */
export interface Timing {
  name: string;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  opsPerSec: number;
  samples: number;
}

/** Options for {@link timeTasks}: how long to sample each task. */
export interface TimeOptions {
  /** Minimum time per task in ms. Default 1000. */
  time?: number;
  /** Minimum iterations per task. Default 10. */
  iterations?: number;
}

/**
 * Runs the tasks with tinybench, one after the other in the same process, and returns their
 * timings. Each task is a zero-argument function (sync or async).
 */
export async function timeTasks(
  tasks: Record<string, () => unknown>,
  options: TimeOptions = {},
): Promise<Record<string, Timing>> {
  const bench = new Bench({ time: options.time ?? 1000, iterations: options.iterations ?? 10, throws: true });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn as () => void);
  await bench.run();
  const out: Record<string, Timing> = {};
  for (const task of bench.tasks) {
    out[task.name] = toTiming(task.name, task.result);
  }
  return out;
}

function toTiming(name: string, result: TaskResult): Timing {
  if (result.state !== 'completed') {
    const error = 'error' in result ? result.error : undefined;
    throw new Error(`benchmark task "${name}" did not complete (state ${result.state})`, { cause: error });
  }
  return {
    name,
    meanMs: result.latency.mean,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    opsPerSec: 1000 / result.latency.mean,
    samples: result.latency.samplesCount,
  };
}

/** The machine and runtime, for the header of each section. */
export function machineLine(): string {
  const cpu = cpus();
  const model = cpu[0]?.model.trim() ?? 'unknown CPU';
  return `${cpu.length} × ${model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
}

/** A markdown table from a header row and data rows. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Formats a rate such as events/s: `2.41 M/s`. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(1)} /s`;
}

/** Formats milliseconds with sensible precision. */
export function formatMs(ms: number): string {
  if (ms < 0.1) return `${(ms * 1000).toFixed(1)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** Formats a ratio as `12.3×`. */
export function formatRatio(ratio: number): string {
  return `${ratio >= 100 ? ratio.toFixed(0) : ratio.toFixed(ratio >= 10 ? 1 : 2)}×`;
}

/** Formats bytes as KiB/MiB. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** `pass` or `MISS` against a target, so a reader sees at a glance which targets hold. */
export function verdict(ok: boolean): string {
  return ok ? 'pass' : '**MISS**';
}

/**
 * Samples RSS every few ms while `work` runs and returns its peak (the process's RSS, so the
 * figure includes everything loaded before; compare against the `baselineRss` it also returns).
 */
export async function measurePeakRss<T>(
  work: () => Promise<T> | T,
): Promise<{ result: T; peakRss: number; baselineRss: number }> {
  globalThis.gc?.();
  const baselineRss = process.memoryUsage.rss();
  let peakRss = baselineRss;
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) peakRss = rss;
  }, 5);
  try {
    const result = await work();
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    return { result, peakRss, baselineRss };
  } finally {
    clearInterval(timer);
  }
}

/** The repository's one seeded PRNG (mulberry32, from `@monkeytracker/test-kit`), so fixtures are the same on every run. */
export { seededRandom };

/** A standard normal sample from a uniform source (Box–Muller). */
export function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Throws when a benchmark's result is wrong, so a fast wrong answer is never reported. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`benchmark self-check failed: ${message}`);
}
