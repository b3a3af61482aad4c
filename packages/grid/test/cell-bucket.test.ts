import {
  assertBreakpoints,
  bucketOf,
  cellColumn,
  cellOf,
  cellRow,
  MAX_CELL_ID,
  MAX_CELL_X,
  MAX_CELL_Y,
} from '@monkeytracker/grid';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('bucketOf', () => {
  it('picks the last breakpoint ≤ vw', () => {
    expect(
      [0, 375, 575, 576, 767, 768, 991, 992, 1199, 1200, 1399, 1400, 5000].map((vw) => bucketOf(vw)),
    ).toEqual([0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(bucketOf(700, [0, 700])).toBe(1);
  });
  it('rejects bad breakpoints', () => {
    expect(() => assertBreakpoints([10, 20])).toThrow(/starting at 0/);
    expect(() => assertBreakpoints([0, 20, 20])).toThrow();
    expect(() => assertBreakpoints([])).toThrow();
    expect(() => assertBreakpoints([0, 1.5])).toThrow();
  });
});

describe('cellOf', () => {
  it('packs column and row into one unsigned id', () => {
    expect(cellOf(0, 0)).toBe(0);
    expect(cellOf(15, 42, 10)).toBe(4 * 4096 + 1);
    expect(cellColumn(cellOf(15, 42))).toBe(1);
    expect(cellRow(cellOf(15, 42))).toBe(4);
  });
  it('round-trips column and row for any coordinates in range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 50 }),
        (x, y, size) => {
          const id = cellOf(x, y, size);
          expect(id).toBeGreaterThanOrEqual(0);
          expect(id).toBeLessThanOrEqual(MAX_CELL_ID);
          expect(cellColumn(id)).toBe(Math.min(Math.floor(x / size), MAX_CELL_X));
          expect(cellRow(id)).toBe(Math.min(Math.floor(y / size), MAX_CELL_Y));
        },
      ),
    );
  });
  it('clamps past the packable range instead of wrapping', () => {
    expect(cellColumn(cellOf(10_000_000, 5, 1))).toBe(MAX_CELL_X);
    expect(cellRow(cellOf(10_000_000, 5, 1))).toBe(5);
    expect(cellRow(cellOf(0, 1e12, 1))).toBe(MAX_CELL_Y);
    expect(cellOf(1e12, 1e12, 1)).toBe(MAX_CELL_ID);
    expect(MAX_CELL_ID).toBeLessThan(0xffffffff);
  });
});
