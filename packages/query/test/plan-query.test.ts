import { InvalidRangeError, planQuery } from '@monkeytracker/query';
import { describe, expect, it } from 'vitest';

/** now = 2024-03-15 12:00 UTC unless a case says otherwise. */
const NOW = Date.UTC(2024, 2, 15, 12);

function summary(plan: ReturnType<typeof planQuery>) {
  return { months: plan.months, days: plan.days.length, first: plan.days[0], last: plan.days.at(-1) };
}

describe('planQuery', () => {
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
    expect(summary(planQuery({ from, to, timeZone: 'UTC', now: NOW }))).toEqual(expected);
  });

  it('lists every day of the range exactly once, in months or in days', () => {
    const plan = planQuery({ from: '2023-11-17', to: '2024-03-15', now: NOW });
    expect(plan.months).toEqual(['m:2023-12', 'm:2024-01', 'm:2024-02', 'm:2024-03']);
    expect(plan.days).toEqual(
      Array.from({ length: 14 }, (_, i) => `d:2023-11-${String(17 + i).padStart(2, '0')}`),
    );
    expect([plan.from, plan.to]).toEqual(['2023-11-17', '2024-03-15']);
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
    expect(planQuery({ from: '2024-01-01', to: '2024-01-07', maxDays: 7, now: NOW }).days).toHaveLength(7);
  });
});
