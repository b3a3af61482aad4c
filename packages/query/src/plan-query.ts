import {
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
}

/** Which stored indexes answer a range: whole months plus the days around them. */
export interface QueryPlan {
  /** Month periods (`'m:YYYY-MM'`) read as one index each. */
  months: Period[];
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

/**
 * Splits an inclusive range of calendar days into the fewest stored indexes: a month index
 * for every month the range covers completely, day indexes for the rest. The running month
 * counts as covered when the range starts on its first day and reaches today: its month
 * index holds every day so far, and later days have no data yet.
 *
 * Throws {@link InvalidRangeError} (code `'INVALID_RANGE'`) for unparseable days, `from > to`, or a
 * range longer than `maxDays`.
 *
 * @example
 * ```ts
 * planQuery({ from: '2024-01-20', to: '2024-03-02', timeZone: 'Europe/Prague', now: Date.UTC(2024, 5, 1) });
 * // { months: ['m:2024-02'], days: ['d:2024-01-20', …, 'd:2024-01-31', 'd:2024-03-01', 'd:2024-03-02'], … }
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
  const months: Period[] = [];
  const days: Period[] = [];
  let day = from;
  while (day <= to) {
    const { year, month } = civilOf(day);
    const monthStart = dayNumberOf(year, month, 1);
    const monthEnd = monthStart + daysInMonth(year, month) - 1;
    const runningAndReached = today >= monthStart && today <= monthEnd && to >= today;
    if (day === monthStart && (to >= monthEnd || runningAndReached)) {
      months.push(`m:${formatMonth(day)}`);
      day = monthEnd + 1;
      continue;
    }
    const last = Math.min(to, monthEnd);
    for (; day <= last; day++) days.push(`d:${formatDay(day)}`);
  }
  return { months, days, from: formatDay(from), to: formatDay(to) };
}
