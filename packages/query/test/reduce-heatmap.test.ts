import { cellColumn, cellRow, EMPTY_INDEX, indexFromEntries } from '@monkeytracker/grid';
import { reduceHeatmap } from '@monkeytracker/query';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const entriesArb = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 4096 * 50 }), fc.integer({ min: 1, max: 6 })),
  { maxLength: 400 },
);

/** The naive answer: every cell, sorted by count desc then id asc, filtered, cut. */
function naive(entries: [number, number][][], cellSize: number, top?: number, minCount = 1) {
  const sums = new Map<number, number>();
  for (const list of entries) for (const [cell, n] of list) sums.set(cell, (sums.get(cell) ?? 0) + n);
  const all = [...sums].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const total = all.reduce((s, [, n]) => s + n, 0);
  const kept = all.filter(([, n]) => n >= minCount).slice(0, top ?? all.length);
  return {
    total,
    max: all[0]?.[1] ?? 0,
    cells: kept.map(([id, count]) => ({ x: cellColumn(id) * cellSize, y: cellRow(id) * cellSize, count })),
  };
}

describe('reduceHeatmap', () => {
  it('equals the naive sort for any top and minCount, ties broken by position', () => {
    fc.assert(
      fc.property(
        fc.array(entriesArb, { maxLength: 6 }),
        entriesArb,
        fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }),
        fc.integer({ min: 0, max: 8 }),
        (stored, live, top, minCount) => {
          const result = reduceHeatmap({
            stored: stored.map((e) => indexFromEntries(e)),
            live: [indexFromEntries(live)],
            cellSize: 10,
            top,
            minCount,
          });
          const expected = naive([...stored, live], 10, top, minCount);
          expect(result.cells).toEqual(expected.cells);
          expect(result.total).toBe(expected.total);
          expect(result.max).toBe(expected.max);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('orders huge counts (past the packed-sort range) the same way', () => {
    const entries: [number, number][] = [
      [5, 2 ** 40],
      [3, 2 ** 40],
      [9, 7],
      [1, 2 ** 22],
    ];
    const h = reduceHeatmap({ stored: [indexFromEntries(entries)], cellSize: 10 });
    expect(h.cells).toEqual(naive([entries], 10).cells);
    expect(h.cells.map((c) => c.count)).toEqual([2 ** 40, 2 ** 40, 2 ** 22, 7]);
  });

  it('agrees with the naive answer on every selection path (histogram, packed keys, comparator)', () => {
    const random = (() => {
      let a = 9;
      return () => (a = (a * 16807) % 2147483647) / 2147483647;
    })();
    for (const maxCount of [50, 200_000, 2 ** 30]) {
      const entries: [number, number][] = Array.from({ length: 3000 }, (_, i) => [
        i * 3,
        1 + Math.floor(random() ** 3 * maxCount),
      ]);
      for (const top of [0, 1, 10, 700, 2999, 5000]) {
        for (const minCount of [0, 2, Math.floor(maxCount / 3)]) {
          const h = reduceHeatmap({ stored: [indexFromEntries(entries)], cellSize: 10, top, minCount });
          expect(h.cells).toEqual(naive([entries], 10, top, minCount).cells);
        }
      }
    }
  });

  it('keeps total and max for the whole range when top and minCount drop cells', () => {
    const index = indexFromEntries([
      [1, 10],
      [2, 3],
      [3, 1],
    ]);
    const h = reduceHeatmap({ stored: [index], cellSize: 10, top: 1, minCount: 2 });
    expect(h).toEqual({
      cellSize: 10,
      total: 14,
      max: 10,
      cellCount: 3,
      cells: [{ x: 10, y: 0, count: 10 }],
    });
  });

  it('adds the reach curve for scroll heatmaps', () => {
    const h = reduceHeatmap({
      stored: [
        indexFromEntries([
          [0, 1],
          [4096 * 10, 3],
        ]),
      ],
      cellSize: 10,
      reach: true,
    });
    expect(h.reach).toEqual([
      { y: 0, share: 1 },
      { y: 100, share: 0.75 },
    ]);
  });

  it('answers an empty range with an empty heatmap', () => {
    expect(reduceHeatmap({ stored: [], live: [EMPTY_INDEX], cellSize: 10 })).toEqual({
      cellSize: 10,
      total: 0,
      max: 0,
      cellCount: 0,
      cells: [],
    });
  });

  it('rejects a bad top or minCount with INVALID_QUERY naming the field', () => {
    expect(() => reduceHeatmap({ stored: [], cellSize: 10, top: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_QUERY', field: 'top' }),
    );
    expect(() => reduceHeatmap({ stored: [], cellSize: 10, minCount: 1.5 })).toThrow(
      expect.objectContaining({ field: 'minCount' }),
    );
  });
});
