import { DAY_MS, formatDay, formatMonth } from './calendar';
import { InvalidTimeZoneError } from './errors';
import type { Period } from './index-key';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** Hours whose offsets a calendar remembers before it starts over (about 1.4 years of hours). */
const MAX_CACHED_HOURS = 12_288;

/**
 * Maps instants to calendar days and months in one IANA time zone, fast enough for the
 * ingest hot path. `Intl.DateTimeFormat` is asked once per UTC hour that is seen (and a few
 * more times in an hour that holds a DST transition, to find its minute); after that a
 * period costs a division and a comparison. Zones with offsets like +05:30 or +12:45 work
 * because the day is computed from the offset, not from the hour.
 *
 * Get instances from {@link zoneCalendar}, which shares one per zone.
 */
export class ZoneCalendar {
  /** The IANA zone name, as given. */
  readonly timeZone: string;
  readonly #format: Intl.DateTimeFormat;
  // Per UTC hour number: the offset at its start, and where it changes within the hour.
  readonly #hours = new Map<number, { before: number; switchAt: number; after: number }>();
  #lastHour = Number.NaN;
  #lastBefore = 0;
  #lastSwitchAt = 0;
  #lastAfter = 0;
  #lastDay = Number.NaN;
  #lastDayPeriod: Period = 'd:1970-01-01';
  #lastMonthDay = Number.NaN;
  #lastMonthPeriod: Period = 'm:1970-01';

  constructor(timeZone: string) {
    try {
      this.#format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch (err) {
      throw new InvalidTimeZoneError(
        `unknown time zone ${JSON.stringify(timeZone)}; use an IANA name such as "UTC" or "Europe/Prague"`,
        { cause: err },
      );
    }
    this.timeZone = timeZone;
  }

  /** The zone's UTC offset at instant `t` in ms (local time = t + offset). */
  offsetAt(t: number): number {
    const hour = Math.floor(t / HOUR_MS);
    if (hour !== this.#lastHour) this.#loadHour(hour);
    return t < this.#lastSwitchAt ? this.#lastBefore : this.#lastAfter;
  }

  /** The local calendar day of instant `t`, as days since 1970-01-01. */
  dayNumber(t: number): number {
    return Math.floor((t + this.offsetAt(t)) / DAY_MS);
  }

  /** `'d:YYYY-MM-DD'` of instant `t` in this zone. */
  dayPeriod(t: number): Period {
    const day = this.dayNumber(t);
    if (day !== this.#lastDay) {
      this.#lastDay = day;
      this.#lastDayPeriod = `d:${formatDay(day)}`;
    }
    return this.#lastDayPeriod;
  }

  /** `'m:YYYY-MM'` of instant `t` in this zone. */
  monthPeriod(t: number): Period {
    const day = this.dayNumber(t);
    if (day !== this.#lastMonthDay) {
      this.#lastMonthDay = day;
      this.#lastMonthPeriod = `m:${formatMonth(day)}`;
    }
    return this.#lastMonthPeriod;
  }

  /**
   * The first instant of local day `dayNumber` (usually local midnight; on a day whose midnight
   * a DST jump skips, the first instant that exists).
   */
  startOfDay(dayNumber: number): number {
    const local = dayNumber * DAY_MS;
    // Two refinements settle any offset; then step back over a skipped midnight.
    let t = local - this.offsetAt(local);
    t = local - this.offsetAt(t);
    while (this.dayNumber(t) >= dayNumber && this.dayNumber(t - MINUTE_MS) >= dayNumber) t -= MINUTE_MS;
    while (this.dayNumber(t) < dayNumber) t += MINUTE_MS;
    return t;
  }

  #loadHour(hour: number): void {
    let entry = this.#hours.get(hour);
    if (!entry) {
      const start = hour * HOUR_MS;
      const end = start + HOUR_MS;
      const before = this.#intlOffset(start);
      const after = this.#intlOffset(end);
      let switchAt = end;
      if (after !== before) {
        // A transition inside this hour: binary-search its minute (they fall on whole minutes).
        let lo = start;
        let hi = end;
        while (hi - lo > MINUTE_MS) {
          const mid = lo + Math.floor((hi - lo) / MINUTE_MS / 2) * MINUTE_MS;
          if (this.#intlOffset(mid) === before) lo = mid;
          else hi = mid;
        }
        switchAt = hi;
      }
      entry = { before, switchAt, after };
      if (this.#hours.size >= MAX_CACHED_HOURS) this.#hours.clear();
      this.#hours.set(hour, entry);
    }
    this.#lastHour = hour;
    this.#lastBefore = entry.before;
    this.#lastSwitchAt = entry.switchAt;
    this.#lastAfter = entry.after;
  }

  #intlOffset(t: number): number {
    let year = 0;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let bc = false;
    for (const part of this.#format.formatToParts(t)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          hour = Number(part.value);
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          second = Number(part.value);
          break;
        case 'era':
          bc = part.value === 'BC' || part.value === 'B';
          break;
      }
    }
    const date = new Date(0);
    date.setUTCFullYear(bc ? 1 - year : year, month - 1, day);
    date.setUTCHours(hour, minute, second, 0);
    // Offsets are whole seconds; drop the sub-second part of t that formatting ignored.
    return date.getTime() - (t - (((t % 1000) + 1000) % 1000));
  }
}

const calendars = new Map<string, ZoneCalendar>();

/** The shared {@link ZoneCalendar} of a zone; throws `InvalidTimeZoneError` for an unknown zone. */
export function zoneCalendar(timeZone: string): ZoneCalendar {
  let calendar = calendars.get(timeZone);
  if (!calendar) {
    calendar = new ZoneCalendar(timeZone);
    calendars.set(timeZone, calendar);
  }
  return calendar;
}

/**
 * `'d:YYYY-MM-DD'`: the calendar day of instant `t` (epoch ms) in an IANA zone.
 *
 * @example
 * ```ts
 * dayPeriod(Date.UTC(2024, 2, 31, 22, 30), 'Europe/Prague'); // 'd:2024-04-01'
 * ```
 */
export function dayPeriod(t: number, timeZone: string): Period {
  return zoneCalendar(timeZone).dayPeriod(t);
}

/** `'m:YYYY-MM'`: the calendar month of instant `t` (epoch ms) in an IANA zone. */
export function monthPeriod(t: number, timeZone: string): Period {
  return zoneCalendar(timeZone).monthPeriod(t);
}
