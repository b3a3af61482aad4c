import type { IndexKey } from '@monkeytracker/grid';
import { describe, expect, it } from 'vitest';
import { keyMatchesFilter, normalizeDeleteFilter, normalizeListFilter } from '../src/index';

const k = (period: IndexKey['period']): IndexKey => ({
  site: 's',
  url: '/',
  kind: 'click',
  bucket: 0,
  period,
});

describe('list filters', () => {
  it('makes the granularity of bounds explicit', () => {
    expect(normalizeListFilter({ periodFrom: 'm:2024-01' })).toEqual({
      periodFrom: 'm:2024-01',
      granularity: 'm',
    });
    expect(normalizeListFilter({ granularity: 'day' })).toEqual({ granularity: 'd' });
    expect(normalizeListFilter()).toEqual({});
  });

  it('a day bound never matches month keys, bounds are inclusive', () => {
    const f = normalizeListFilter({ periodFrom: 'd:2024-01-31', periodTo: 'd:2024-02-01' });
    expect(keyMatchesFilter(k('d:2024-01-31'), f)).toBe(true);
    expect(keyMatchesFilter(k('d:2024-02-01'), f)).toBe(true);
    expect(keyMatchesFilter(k('d:2024-02-02'), f)).toBe(false);
    expect(keyMatchesFilter(k('m:2024-01'), f)).toBe(false);
  });

  it('delete needs a non-empty filter or exactly { all: true }', () => {
    expect(() => normalizeDeleteFilter({})).toThrow(/non-empty filter/);
    expect(() => normalizeDeleteFilter({ all: false } as never)).toThrow(/all: true/);
    expect(normalizeDeleteFilter({ all: true })).toEqual({});
    expect(normalizeDeleteFilter({ site: 'a' })).toEqual({ site: 'a' });
  });
});
