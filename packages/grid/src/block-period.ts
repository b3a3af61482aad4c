import { formatDay, parseDay } from './calendar';
import type { Period } from './index-key';

/**
 * Block periods: runs of 3 and 9 consecutive local days, aligned on the day number (days since
 * 1970-01-01), so every day belongs to exactly one block of each size and a 9-day block is three
 * 3-day blocks. They sit between days and months: with them a range of up to 45 days is read
 * from at most 11 indexes and one of 90 days from at most 16, where days and months alone need
 * up to 45 and 61, for two more keys per delta (4 instead of 2). The other layouts weighed are in
 * docs/capacity.md.
 */
export const BLOCK_SIZES = [3, 9] as const;

/** A block size in days. */
export type BlockSize = (typeof BLOCK_SIZES)[number];

/** The first day of the `size`-day block that holds `day` (day numbers). */
export function blockStart(day: number, size: BlockSize): number {
  return day - (((day % size) + size) % size);
}

/** `'b3:YYYY-MM-DD'` / `'b9:YYYY-MM-DD'`: the block of `size` days that holds `day`, named by its first day. */
export function blockPeriod(day: number, size: BlockSize): Period {
  return `b${size}:${formatDay(blockStart(day, size))}`;
}

/** The first day and size of a block period, or `undefined` for anything else (incl. a misaligned start). */
export function parseBlockPeriod(period: string): { start: number; size: BlockSize } | undefined {
  const size = period.startsWith('b3:') ? 3 : period.startsWith('b9:') ? 9 : undefined;
  if (size === undefined) return undefined;
  const start = parseDay(period.slice(3));
  if (start === undefined || blockStart(start, size) !== start) return undefined;
  return { start, size };
}
