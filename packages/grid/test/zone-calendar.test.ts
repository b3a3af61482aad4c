import {
  civilOf,
  DAY_MS,
  dayNumberOf,
  dayPeriod,
  daysInMonth,
  formatDay,
  monthPeriod,
  parseDay,
  ZoneCalendar,
  zoneCalendar,
} from '@monkeytracker/grid';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** The oracle: Intl's own idea of the local calendar day (en-CA formats as YYYY-MM-DD). */
function oracleDay(t: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(t);
}

const QUARTER_HOUR = 15 * 60_000;

/** Every quarter hour (plus a minute either side of each) over a UTC window. */
function instantsAround(isoDay: string, days = 2): number[] {
  const start = Date.parse(`${isoDay}T00:00:00Z`) - DAY_MS;
  const out: number[] = [];
  for (let t = start; t < start + (days + 1) * DAY_MS; t += QUARTER_HOUR) out.push(t - 60_000, t, t + 59_999);
  return out;
}

const cases: [zone: string, day: string, what: string][] = [
  ['Europe/Prague', '2024-03-31', 'spring forward'],
  ['Europe/Prague', '2024-10-27', 'fall back'],
  ['America/New_York', '2024-03-10', 'spring forward'],
  ['America/New_York', '2024-11-03', 'fall back'],
  ['Asia/Kolkata', '2024-06-15', '+05:30: midnight at 18:30 UTC'],
  ['Pacific/Chatham', '2024-04-07', '+13:45 → +12:45'],
  ['Pacific/Chatham', '2024-09-29', '+12:45 → +13:45'],
  ['Australia/Lord_Howe', '2024-04-07', 'a 30-minute DST shift'],
  ['Australia/Lord_Howe', '2024-10-06', 'a 30-minute DST shift'],
  ['America/Santiago', '2024-09-08', 'DST starts at midnight: the day starts at 01:00'],
  ['Europe/Prague', '2023-12-31', 'year end'],
  ['America/New_York', '2024-02-29', 'leap day'],
  ['Asia/Kolkata', '2024-01-31', 'month end'],
  ['UTC', '2024-02-29', 'leap day in UTC'],
];

describe('ZoneCalendar against Intl.DateTimeFormat', () => {
  it.each(cases)('%s around %s (%s): every quarter hour lands on the right day and month', (zone, day) => {
    const calendar = new ZoneCalendar(zone);
    for (const t of instantsAround(day)) {
      const expected = oracleDay(t, zone);
      expect(calendar.dayPeriod(t), `${zone} at ${new Date(t).toISOString()}`).toBe(`d:${expected}`);
      expect(calendar.monthPeriod(t)).toBe(`m:${expected.slice(0, 7)}`);
    }
  });

  it.each(cases)('%s around %s: startOfDay is the first instant of the local day', (zone, day) => {
    const calendar = new ZoneCalendar(zone);
    const dn = parseDay(day)!;
    for (let d = dn - 1; d <= dn + 1; d++) {
      const start = calendar.startOfDay(d);
      expect(oracleDay(start, zone)).toBe(formatDay(d));
      expect(oracleDay(start - 1, zone)).toBe(formatDay(d - 1));
    }
  });

  it('agrees with Intl for random instants in random zones, 1990–2040', () => {
    const zones = [
      'Europe/Prague',
      'America/New_York',
      'Asia/Kolkata',
      'Pacific/Chatham',
      'Australia/Lord_Howe',
      'America/St_Johns',
      'Asia/Kathmandu',
      'UTC',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }),
        (zone, t) => {
          expect(dayPeriod(t, zone)).toBe(`d:${oracleDay(t, zone)}`);
          expect(monthPeriod(t, zone)).toBe(`m:${oracleDay(t, zone).slice(0, 7)}`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('shares one calendar per zone and rejects unknown zones', () => {
    expect(zoneCalendar('Europe/Prague')).toBe(zoneCalendar('Europe/Prague'));
    expect(() => zoneCalendar('Mars/Olympus_Mons')).toThrow(
      expect.objectContaining({ code: 'INVALID_TIME_ZONE' }),
    );
    expect(() => dayPeriod(0, 'nope')).toThrow(/unknown time zone "nope"/);
  });
});

describe('calendar arithmetic', () => {
  it('round-trips day numbers and agrees with Date', () => {
    fc.assert(
      fc.property(fc.integer({ min: -800_000, max: 2_900_000 }), (dn) => {
        const { year, month, day } = civilOf(dn);
        expect(dayNumberOf(year, month, day)).toBe(dn);
        const d = new Date(dn * DAY_MS);
        expect([year, month, day]).toEqual([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]);
      }),
    );
  });

  it('knows month lengths and parses strict days only', () => {
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2023, 2)).toBe(28);
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(daysInMonth(2024, 12)).toBe(31);
    expect(parseDay('2024-02-29')).toBe(dayNumberOf(2024, 2, 29));
    for (const bad of [
      '2023-02-29',
      '2024-13-01',
      '2024-00-10',
      '2024-1-01',
      '2024-01-32',
      'x',
      '2024-01-01T00:00',
    ]) {
      expect(parseDay(bad)).toBeUndefined();
    }
  });
});
