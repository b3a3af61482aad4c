import {
  BLOCK_SIZES,
  blockPeriod,
  blockStart,
  civilOf,
  dayNumberOf,
  daysInMonth,
  formatDay,
  formatMonth,
  type Period,
  parseDay,
  zoneCalendar,
} from '@monkeytracker/grid';
import { InvalidRangeError } from './errors';

/** A calendar day: `'YYYY-MM-DD'` in the tracker's zone, or an instant (Date / epoch ms) floored to its day there. */
export type DayInput = string | Date | number;

/** Input of {@link planQuery}. */
export interface PlanInput {
  /** First day of the range, inclusive. */
  from: DayInput;
  /** Last day of the range, inclusive. */
  to: DayInput;
  /** IANA zone that days and months are counted in. Default `'UTC'`. */
  timeZone?: string;
  /** The current instant (epoch ms), which decides what "today" and the running month are. Default `Date.now()`. */
  now?: number;
  /** The longest range accepted, in days. Default 400. */
  maxDays?: number;
  /**
   * Use the 3- and 9-day block indexes (default `true`). `false` plans with months and days
   * only (the page list, which reads totals by period range, wants runs of days).
   */
  blocks?: boolean;
}

/** Which stored indexes answer a range: the fewest months, blocks and days that tile it. */
export interface QueryPlan {
  /** Month periods (`'m:YYYY-MM'`) read as one index each. */
  months: Period[];
  /** Block periods (`'b9:YYYY-MM-DD'`, `'b3:YYYY-MM-DD'`, named by their first day). */
  blocks: Period[];
  /** Day periods (`'d:YYYY-MM-DD'`) read one by one. */
  days: Period[];
  /** The first day of the range, `'YYYY-MM-DD'`. */
  from: string;
  /** The last day of the range, `'YYYY-MM-DD'`. */
  to: string;
}

/** Default for {@link PlanInput.maxDays}. */
export const DEFAULT_MAX_DAYS = 400;

function toDayNumber(value: DayInput, field: 'from' | 'to', timeZone: string): number {
  if (typeof value === 'string') {
    const day = parseDay(value);
    if (day === undefined) {
      throw new InvalidRangeError(
        `${field} must be a calendar day 'YYYY-MM-DD', got ${JSON.stringify(value)}`,
        { field: field },
      );
    }
    return day;
  }
  const t = value instanceof Date ? value.getTime() : value;
  if (typeof t !== 'number' || !Number.isFinite(t)) {
    throw new InvalidRangeError(`${field} must be 'YYYY-MM-DD', a Date or epoch ms, got ${String(value)}`, {
      field: field,
    });
  }
  return zoneCalendar(timeZone).dayNumber(t);
}

/** A stored index that may tile part of a range: its period and the last day it stands for. */
interface Tile {
  period: Period;
  end: number;
}

/**
 * Splits an inclusive range of calendar days into the fewest stored indexes that tile it: whole
 * months, aligned 3- and 9-day blocks (see `blockPeriod`) and days (a shortest path over the
 * days of the range, at most 400 × 4 steps). A running month or block counts as covered when
 * the range starts on its first day and reaches today: its index holds every day so far, and
 * later days have no data yet. A range of up to 30 days takes at most 9 indexes, 45 days 11,
 * 90 days 16, 400 days 29 (days and months alone: 30, 45, 61 and 47).
 *
 * Throws {@link InvalidRangeError} (code `'INVALID_RANGE'`) for unparseable days, `from > to`, or a
 * range longer than `maxDays`.
 *
 * @example
 * ```ts
 * planQuery({ from: '2024-01-20', to: '2024-03-02', timeZone: 'Europe/Prague', now: Date.UTC(2024, 5, 1) });
 * // { months: [], blocks: ['b3:2024-01-21', 'b9:2024-01-24', 'b9:2024-02-02', 'b9:2024-02-11',
// //   'b9:2024-02-20', 'b3:2024-02-29'], days: ['d:2024-01-20'], … } — 7 indexes, not 14
 * ```
 */
export function planQuery(input: PlanInput): QueryPlan {
  const timeZone = input.timeZone ?? 'UTC';
  const from = toDayNumber(input.from, 'from', timeZone);
  const to = toDayNumber(input.to, 'to', timeZone);
  if (from > to) {
    throw new InvalidRangeError(`from (${formatDay(from)}) is after to (${formatDay(to)})`, {
      field: 'from',
    });
  }
  const maxDays = input.maxDays ?? DEFAULT_MAX_DAYS;
  if (to - from + 1 > maxDays) {
    throw new InvalidRangeError(
      `the range ${formatDay(from)}..${formatDay(to)} spans ${to - from + 1} days; the limit is ${maxDays} (maxDays)`,
      { field: 'to' },
    );
  }
  const today = zoneCalendar(timeZone).dayNumber(input.now ?? Date.now());
  // The last day a unit [start, end] stands for within the range, or undefined if it does not fit.
  const fits = (start: number, end: number): number | undefined => {
    if (end <= to) return end;
    return today >= start && today <= end && to >= today ? to : undefined;
  };
  const n = to - from + 1;
  // count[i]: fewest indexes tiling days from..from+i-1; via[i]: the tile that ends there.
  const count = new Array<number>(n + 1).fill(Number.POSITIVE_INFINITY);
  const via = new Array<{ tile: Tile; start: number } | undefined>(n + 1);
  count[0] = 0;
  for (let i = 0; i < n; i++) {
    const day = from + i;
    const tiles: Tile[] = [];
    const { year, month } = civilOf(day);
    const monthStart = dayNumberOf(year, month, 1);
    if (day === monthStart) {
      const end = fits(day, monthStart + daysInMonth(year, month) - 1);
      if (end !== undefined) tiles.push({ period: `m:${formatMonth(day)}`, end });
    }
    if (input.blocks !== false) {
      for (let b = BLOCK_SIZES.length - 1; b >= 0; b--) {
        const size = BLOCK_SIZES[b]!;
        if (blockStart(day, size) !== day) continue;
        const end = fits(day, day + size - 1);
        if (end !== undefined) tiles.push({ period: blockPeriod(day, size), end });
      }
    }
    tiles.push({ period: `d:${formatDay(day)}`, end: day });
    for (const tile of tiles) {
      const j = tile.end - from + 1;
      if (count[i]! + 1 < count[j]!) {
        count[j] = count[i]! + 1;
        via[j] = { tile, start: i };
      }
    }
  }
  const months: Period[] = [];
  const blocks: Period[] = [];
  const days: Period[] = [];
  for (let j = n; j > 0; ) {
    const step = via[j]!;
    const kind = step.tile.period[0];
    (kind === 'm' ? months : kind === 'b' ? blocks : days).push(step.tile.period);
    j = step.start;
  }
  months.reverse();
  blocks.reverse();
  days.reverse();
  return { months, blocks, days, from: formatDay(from), to: formatDay(to) };
}
