import { DAY_MS, formatDay, parseDay } from '@monkeytracker/grid';
import { InvalidRangeError, planQuery, type QueryPlan } from '@monkeytracker/query';
import { seededRandom } from '@monkeytracker/test-kit';
import { describe, expect, it } from 'vitest';

/** now = 2024-03-15 12:00 UTC unless a case says otherwise. */
const NOW = Date.UTC(2024, 2, 15, 12);

function summary(plan: ReturnType<typeof planQuery>) {
  return { months: plan.months, days: plan.days.length, first: plan.days[0], last: plan.days.at(-1) };
}

describe('planQuery with months and days only (blocks: false)', () => {
  it.each([
    [
      'one day',
      '2024-01-10',
      '2024-01-10',
      { months: [], days: 1, first: 'd:2024-01-10', last: 'd:2024-01-10' },
    ],
    [
      'inside one month',
      '2024-01-10',
      '2024-01-20',
      { months: [], days: 11, first: 'd:2024-01-10', last: 'd:2024-01-20' },
    ],
    [
      'exactly one month',
      '2024-01-01',
      '2024-01-31',
      { months: ['m:2024-01'], days: 0, first: undefined, last: undefined },
    ],
    [
      'a month missing its last day',
      '2024-01-01',
      '2024-01-30',
      { months: [], days: 30, first: 'd:2024-01-01', last: 'd:2024-01-30' },
    ],
    [
      'a month missing its first day',
      '2024-01-02',
      '2024-01-31',
      { months: [], days: 30, first: 'd:2024-01-02', last: 'd:2024-01-31' },
    ],
    [
      'leap February',
      '2024-02-01',
      '2024-02-29',
      { months: ['m:2024-02'], days: 0, first: undefined, last: undefined },
    ],
    [
      'February 2023 has 28 days',
      '2023-02-01',
      '2023-02-28',
      { months: ['m:2023-02'], days: 0, first: undefined, last: undefined },
    ],
    [
      '28 days of a leap February is not the month',
      '2024-02-01',
      '2024-02-28',
      { months: [], days: 28, first: 'd:2024-02-01', last: 'd:2024-02-28' },
    ],
    [
      '45 days across a month end',
      '2024-01-20',
      '2024-03-04',
      { months: ['m:2024-02'], days: 16, first: 'd:2024-01-20', last: 'd:2024-03-04' },
    ],
    [
      'year end',
      '2023-12-30',
      '2024-01-02',
      { months: [], days: 4, first: 'd:2023-12-30', last: 'd:2024-01-02' },
    ],
    [
      'whole year 2023',
      '2023-01-01',
      '2023-12-31',
      {
        months: [
          'm:2023-01',
          'm:2023-02',
          'm:2023-03',
          'm:2023-04',
          'm:2023-05',
          'm:2023-06',
          'm:2023-07',
          'm:2023-08',
          'm:2023-09',
          'm:2023-10',
          'm:2023-11',
          'm:2023-12',
        ],
        days: 0,
        first: undefined,
        last: undefined,
      },
    ],
    [
      'the running month up to today',
      '2024-03-01',
      '2024-03-15',
      { months: ['m:2024-03'], days: 0, first: undefined, last: undefined },
    ],
    [
      'the running month past today',
      '2024-03-01',
      '2024-03-31',
      { months: ['m:2024-03'], days: 0, first: undefined, last: undefined },
    ],
    [
      'the running month short of today',
      '2024-03-01',
      '2024-03-14',
      { months: [], days: 14, first: 'd:2024-03-01', last: 'd:2024-03-14' },
    ],
    [
      'mid-month start into the running month',
      '2024-01-15',
      '2024-03-15',
      { months: ['m:2024-02', 'm:2024-03'], days: 17, first: 'd:2024-01-15', last: 'd:2024-01-31' },
    ],
    [
      'a future month is not covered by today',
      '2024-04-01',
      '2024-04-30',
      { months: ['m:2024-04'], days: 0, first: undefined, last: undefined },
    ],
  ])('%s', (_name, from, to, expected) => {
    expect(summary(planQuery({ from, to, timeZone: 'UTC', now: NOW, blocks: false }))).toEqual(expected);
  });

  it('lists every day of the range exactly once, in months or in days', () => {
    const plan = planQuery({ from: '2023-11-17', to: '2024-03-15', now: NOW, blocks: false });
    expect(plan.months).toEqual(['m:2023-12', 'm:2024-01', 'm:2024-02', 'm:2024-03']);
    expect(plan.days).toEqual(
      Array.from({ length: 14 }, (_, i) => `d:2023-11-${String(17 + i).padStart(2, '0')}`),
    );
    expect([plan.from, plan.to]).toEqual(['2023-11-17', '2024-03-15']);
  });
});

/** The days (day numbers) a period stands for. */
function daysOf(period: string): number[] {
  const [kind, rest] = period.split(':') as [string, string];
  if (kind === 'd') return [parseDay(rest)!];
  if (kind === 'b3' || kind === 'b9') {
    const start = parseDay(rest)!;
    return Array.from({ length: Number(kind.slice(1)) }, (_, i) => start + i);
  }
  // A month: from its first day while the day is still in it.
  const first = parseDay(`${rest}-01`)!;
  const out: number[] = [];
  for (let d = first; formatDay(d).startsWith(rest); d++) out.push(d);
  return out;
}

/**
 * Checks a plan against the range it answers: every day of the range exactly once, nothing
 * before it, and past its end only days after today (a running month or block: no data yet).
 */
function expectTiles(plan: QueryPlan, from: number, to: number, today: number): void {
  const seen = new Map<number, number>();
  for (const period of [...plan.months, ...plan.blocks, ...plan.days]) {
    for (const d of daysOf(period)) seen.set(d, (seen.get(d) ?? 0) + 1);
  }
  for (let d = from; d <= to; d++) expect(seen.get(d), formatDay(d)).toBe(1);
  for (const [d, n] of seen) {
    expect(n, formatDay(d)).toBe(1);
    expect(
      d >= from && (d <= to || d > today),
      `${formatDay(d)} outside ${formatDay(from)}..${formatDay(to)}`,
    ).toBe(true);
  }
}

/** The fewest indexes tiling from..to, by breadth-first search over the days (independent of the planner). */
function fewest(from: number, to: number, today: number): number {
  const steps = (d: number): number[] => {
    const out = [d];
    const units: [number, number][] = [];
    for (const size of [3, 9]) if (d % size === 0) units.push([d, d + size - 1]);
    const day = formatDay(d);
    if (day.endsWith('-01')) units.push([d, daysOf(`m:${day.slice(0, 7)}`).at(-1)!]);
    for (const [start, end] of units) {
      if (end <= to) out.push(end);
      else if (today >= start && today <= end && to >= today) out.push(to);
    }
    return out;
  };
  let frontier = new Set([from]);
  for (let n = 1; ; n++) {
    const next = new Set<number>();
    for (const d of frontier)
      for (const end of steps(d)) {
        if (end === to) return n;
        next.add(end + 1);
      }
    frontier = next;
  }
}

describe('planQuery with blocks (the default)', () => {
  it.each([
    ['one day', '2024-01-10', '2024-01-10', { months: [], blocks: [], days: ['d:2024-01-10'] }],
    ['exactly one month', '2024-01-01', '2024-01-31', { months: ['m:2024-01'], blocks: [], days: [] }],
    ['leap February', '2024-02-01', '2024-02-29', { months: ['m:2024-02'], blocks: [], days: [] }],
    [
      'February 2023 has 28 days',
      '2023-02-01',
      '2023-02-28',
      { months: ['m:2023-02'], blocks: [], days: [] },
    ],
    // Day 19,743 (2024-01-21) is a multiple of 3, 19,746 (2024-01-24) of 9. February as a month
    // would leave 2024-01-24..31 and 2024-03-01..04 to days and 3-day blocks: 11 indexes, not 9.
    [
      '45 days across a month end',
      '2024-01-20',
      '2024-03-04',
      {
        months: [],
        blocks: [
          'b3:2024-01-21',
          'b9:2024-01-24',
          'b9:2024-02-02',
          'b9:2024-02-11',
          'b9:2024-02-20',
          'b3:2024-02-29',
        ],
        days: ['d:2024-01-20', 'd:2024-03-03', 'd:2024-03-04'],
      },
    ],
    // Day 19,719 (2023-12-28) is a multiple of 9; 19,782 (2024-02-29) of 3 and 9.
    [
      'a 9-day block across a year end',
      '2023-12-28',
      '2024-01-05',
      { months: [], blocks: ['b9:2023-12-28'], days: [] },
    ],
    [
      'a 3-day block from a leap day into March',
      '2024-02-29',
      '2024-03-02',
      { months: [], blocks: ['b3:2024-02-29'], days: [] },
    ],
    [
      'the running month up to today',
      '2024-03-01',
      '2024-03-15',
      { months: ['m:2024-03'], blocks: [], days: [] },
    ],
    // Today, 2024-03-15, is day 19,797, the first of a 3-day block.
    [
      'the running block past today (no data after today yet)',
      '2024-03-15',
      '2024-03-16',
      { months: [], blocks: ['b3:2024-03-15'], days: [] },
    ],
    [
      'a future block is not covered by today',
      '2024-03-18',
      '2024-03-19',
      { months: [], blocks: [], days: ['d:2024-03-18', 'd:2024-03-19'] },
    ],
  ])('%s', (_name, from, to, expected) => {
    const plan = planQuery({ from, to, timeZone: 'UTC', now: NOW });
    expect({ months: plan.months, blocks: plan.blocks, days: plan.days }).toEqual(expected);
    expectTiles(plan, parseDay(from)!, parseDay(to)!, parseDay('2024-03-15')!);
  });

  // The bounds are the worst cases over every range in 2023–2025 (computed exhaustively).
  it('tiles 200 random ranges exactly, with the fewest indexes: ≤ 9 for 30 days, ≤ 11 for 45, ≤ 16 for 90, ≤ 29 for 400, in any zone', () => {
    const random = seededRandom(7);
    const zones = ['UTC', 'Europe/Prague', 'America/New_York', 'Asia/Kolkata', 'Pacific/Auckland'];
    const base = parseDay('2023-01-01')!;
    for (let i = 0; i < 200; i++) {
      const length = 1 + Math.floor(random() * 400);
      const from = base + Math.floor(random() * 700);
      const to = from + length - 1;
      // Today somewhere around the range, so running months and blocks come up.
      const today = from + Math.floor(random() * (length + 60)) - 30;
      const timeZone = zones[i % zones.length]!;
      const now = today * DAY_MS + 10.5 * 3_600_000; // 10:30 UTC: the same day in every zone above (UTC−5 to +13)
      const plan = planQuery({ from: formatDay(from), to: formatDay(to), timeZone, now });
      expectTiles(plan, from, to, today);
      const n = plan.months.length + plan.blocks.length + plan.days.length;
      expect(n, `${formatDay(from)}..${formatDay(to)}, today ${formatDay(today)}`).toBe(
        fewest(from, to, today),
      );
      // A running month or block only saves indexes, so the bounds hold with any today.
      expect(n).toBeLessThanOrEqual(length <= 30 ? 9 : length <= 45 ? 11 : length <= 90 ? 16 : 29);
    }
  });

  it('floors Dates and epoch ms to their day in the zone, across DST', () => {
    // 2024-03-31 00:30 in Prague is 2024-03-30 23:30 UTC; the DST jump is later that night.
    const t = Date.UTC(2024, 2, 30, 23, 30);
    expect(planQuery({ from: t, to: new Date(t), timeZone: 'Europe/Prague', now: NOW }).days).toEqual([
      'd:2024-03-31',
    ]);
    expect(planQuery({ from: t, to: t, timeZone: 'UTC', now: NOW }).days).toEqual(['d:2024-03-30']);
    // The fall-back day in New York has 25 hours; its last hour is still that day.
    const late = Date.UTC(2024, 10, 4, 4, 30); // 2024-11-03 23:30 EST
    expect(planQuery({ from: late, to: late, timeZone: 'America/New_York', now: NOW }).days).toEqual([
      'd:2024-11-03',
    ]);
  });

  it('decides the running month in the zone: today in Kolkata can be tomorrow in UTC', () => {
    const now = Date.UTC(2024, 2, 31, 19); // 2024-04-01 00:30 in Kolkata
    expect(planQuery({ from: '2024-04-01', to: '2024-04-01', timeZone: 'Asia/Kolkata', now }).months).toEqual(
      ['m:2024-04'],
    );
    expect(planQuery({ from: '2024-04-01', to: '2024-04-01', timeZone: 'UTC', now }).months).toEqual([]);
  });

  it.each([
    [
      'from after to',
      { from: '2024-02-02', to: '2024-02-01' },
      /from \(2024-02-02\) is after to \(2024-02-01\)/,
    ],
    ['unparseable from', { from: '2024-02-30', to: '2024-03-01' }, /from must be a calendar day/],
    ['unparseable to', { from: '2024-02-01', to: 'yesterday' }, /to must be a calendar day/],
    ['NaN', { from: Number.NaN, to: '2024-03-01' }, /from must be/],
    ['over 400 days', { from: '2023-01-01', to: '2024-02-05' }, /spans 401 days; the limit is 400/],
  ])('rejects %s with INVALID_RANGE', (_name, range, message) => {
    let error: unknown;
    try {
      planQuery({ ...range, now: NOW });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidRangeError);
    expect(error).toMatchObject({ code: 'INVALID_RANGE' });
    expect((error as Error).message).toMatch(message);
  });

  it('honours a custom maxDays', () => {
    expect(() => planQuery({ from: '2024-01-01', to: '2024-01-08', maxDays: 7, now: NOW })).toThrow(
      /limit is 7/,
    );
    expect(planQuery({ from: '2024-01-01', to: '2024-01-07', maxDays: 7, now: NOW }).from).toBe('2024-01-01');
  });
});
