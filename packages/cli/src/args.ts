import { parseArgs } from 'node:util';
import { CliUsageError } from './errors';

/** The flags of a subcommand, as `util.parseArgs` takes them. */
export type CliOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/** The parsed flags of {@link CliOptions} `T`. */
export type CliValues<T extends CliOptions> = {
  [K in keyof T]?: T[K] extends { type: 'boolean' }
    ? boolean
    : T[K] extends { multiple: true }
      ? string[]
      : string;
} & { help?: boolean; debug?: boolean };

/** Flags every subcommand takes. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
} as const satisfies CliOptions;

/**
 * `util.parseArgs` in strict mode (unknown flags and stray arguments are errors), with its
 * errors turned into a short {@link CliUsageError} for `command`.
 */
export function parseCommand<T extends CliOptions>(
  command: string,
  argv: string[],
  options: T,
): CliValues<T> {
  try {
    return parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...options },
      strict: true,
      allowPositionals: false,
    }).values as CliValues<T>;
  } catch (err) {
    const e = err as { code?: string; message: string };
    if (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) {
      const first = e.message.split(/\.\s/)[0]?.replace(/\.$/, '') ?? e.message;
      throw new CliUsageError(first.charAt(0).toLowerCase() + first.slice(1), { command });
    }
    throw err;
  }
}

/** An integer flag within [min, max], or `fallback` when absent. */
export function integerFlag(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new CliUsageError(
      `--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
      { command },
    );
  }
  return n;
}

/**
 * A `--from`/`--to` time: `YYYY-MM-DD` (a UTC day; `--to` includes the whole day) or an ISO
 * date-time (exact; `--to` is exclusive). Returns epoch ms.
 */
export function timeFlag(
  command: string,
  name: 'from' | 'to',
  value: string | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const ms = Date.parse(day ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new CliUsageError(
      `--${name} must be a day YYYY-MM-DD or an ISO date-time, got ${JSON.stringify(value)}`,
      { command },
    );
  }
  return day && name === 'to' ? ms + 86_400_000 : ms;
}
