import {
  cellOf,
  EMPTY_INDEX,
  GridBuilder,
  type GridIndex,
  indexFromEntries,
  mergeIndexes,
  mergeMany,
} from '@monkeytracker/grid';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexArb } from './arbitraries';

/** Plain objects so vitest's diff shows what differs. */
const plain = (i: GridIndex) => ({ cells: [...i.cells], counts: [...i.counts], total: i.total });

describe('mergeIndexes', () => {
  it('is associative', () => {
    fc.assert(
      fc.property(indexArb, indexArb, indexArb, (a, b, c) => {
        expect(plain(mergeIndexes(mergeIndexes(a, b), c))).toEqual(
          plain(mergeIndexes(a, mergeIndexes(b, c))),
        );
      }),
    );
  });
  it('is commutative', () => {
    fc.assert(
      fc.property(indexArb, indexArb, (a, b) => {
        expect(plain(mergeIndexes(a, b))).toEqual(plain(mergeIndexes(b, a)));
      }),
    );
  });
  it('has the empty index as identity', () => {
    fc.assert(
      fc.property(indexArb, (a) => {
        expect(plain(mergeIndexes(a, EMPTY_INDEX))).toEqual(plain(a));
        expect(plain(mergeIndexes(EMPTY_INDEX, a))).toEqual(plain(a));
      }),
    );
  });
  it('keeps cells strictly increasing, counts positive, total the sum', () => {
    fc.assert(
      fc.property(indexArb, indexArb, (a, b) => {
        const m = mergeIndexes(a, b);
        let sum = 0;
        for (let i = 0; i < m.cells.length; i++) {
          if (i > 0) expect(m.cells[i]!).toBeGreaterThan(m.cells[i - 1]!);
          expect(m.counts[i]!).toBeGreaterThan(0);
          sum += m.counts[i]!;
        }
        expect(m.total).toBe(sum);
        expect(m.total).toBe(a.total + b.total);
      }),
    );
  });
  it('counts past 2^32 without overflow', () => {
    const big = indexFromEntries([[7, 2 ** 32 - 1]]);
    const m = mergeIndexes(big, big);
    expect(m.counts[0]).toBe(2 ** 33 - 2);
    expect(m.total).toBe(2 ** 33 - 2);
  });
});

describe('mergeMany', () => {
  it('equals folding mergeIndexes', () => {
    fc.assert(
      fc.property(fc.array(indexArb, { maxLength: 12 }), (list) => {
        expect(plain(mergeMany(list))).toEqual(plain(list.reduce(mergeIndexes, EMPTY_INDEX)));
      }),
    );
  });
  it('equals folding mergeIndexes on clustered inputs (the dense path)', () => {
    const clustered = fc
      .array(
        fc.tuple(
          fc.integer({ min: 100, max: 130 }),
          fc.integer({ min: 4000, max: 4095 }),
          fc.integer({ min: 1, max: 9 }),
        ),
        {
          minLength: 1,
          maxLength: 300,
        },
      )
      .map((cells) => indexFromEntries(cells.map(([row, col, n]) => [row * 4096 + col, n] as const)));
    fc.assert(
      fc.property(fc.array(clustered, { minLength: 3, maxLength: 12 }), (list) => {
        expect(plain(mergeMany(list))).toEqual(plain(list.reduce(mergeIndexes, EMPTY_INDEX)));
      }),
    );
  });

  it('handles 0, 1, 2 inputs and empty ones', () => {
    const a = indexFromEntries([[1, 2]]);
    expect(mergeMany([])).toBe(EMPTY_INDEX);
    expect(mergeMany([EMPTY_INDEX, a, EMPTY_INDEX])).toBe(a);
    expect(plain(mergeMany([a, a]))).toEqual({ cells: [1], counts: [4], total: 4 });
  });
});

describe('GridBuilder', () => {
  it('equals a naive Map count over the same events', () => {
    const eventArb = fc.record({
      x: fc.integer({ min: 0, max: 5000 }),
      y: fc.integer({ min: 0, max: 50_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 2000 }),
        fc.integer({ min: 1, max: 40 }),
        (events, cellSize) => {
          const builder = new GridBuilder({ cellSize });
          const naive = new Map<number, number>();
          for (const e of events) {
            builder.addEvent(e);
            const id = cellOf(e.x, e.y, cellSize);
            naive.set(id, (naive.get(id) ?? 0) + 1);
          }
          expect(plain(builder.toIndex())).toEqual(plain(indexFromEntries(naive)));
          expect(builder.size).toBe(naive.size);
          expect(builder.total).toBe(events.length);
        },
      ),
      { numRuns: 200 },
    );
  });
  it('grows past its initial capacity and stays usable after toIndex', () => {
    const builder = new GridBuilder({ initialCapacity: 2 });
    for (let i = 0; i < 100_000; i++) builder.add((i * 7919) % 65_536);
    const index = builder.toIndex();
    expect(index.cells.length).toBe(65_536);
    expect(index.total).toBe(100_000);
    builder.add(3, 5);
    expect(builder.toIndex().total).toBe(100_005);
    expect(new GridBuilder().toIndex()).toBe(EMPTY_INDEX);
  });
  it('keeps counts past 32 bits exact (a table slot holds 32 bits; larger counts move aside)', () => {
    const builder = new GridBuilder({ initialCapacity: 2 });
    builder.add(7, 2 ** 32 - 3);
    builder.add(7, 1); // 2^32 - 2: still in the table
    builder.add(7, 1); // 2^32 - 1: moves aside
    builder.add(7, 2 ** 40);
    builder.add(9, 2 ** 45); // a new cell that starts aside
    builder.add(9);
    // Growing the table several times must carry the cells that live aside.
    for (let id = 100; id < 5_000; id++) builder.add(id);
    const index = builder.toIndex();
    const count = (id: number) => index.counts[index.cells.indexOf(id)];
    expect(count(7)).toBe(2 ** 32 - 1 + 2 ** 40);
    expect(count(9)).toBe(2 ** 45 + 1);
    expect(count(100)).toBe(1);
    expect(index.total).toBe(2 ** 32 - 1 + 2 ** 40 + 2 ** 45 + 1 + 4_900);
    expect(builder.size).toBe(4_902);
  });
  it('rejects bad cell ids, counts and cell sizes', () => {
    const builder = new GridBuilder();
    expect(() => builder.add(-1)).toThrow(/cell id/);
    expect(() => builder.add(0xffffffff)).toThrow(/cell id/);
    expect(() => builder.add(1.5)).toThrow(/cell id/);
    expect(() => builder.add(1, 0)).toThrow(/count/);
    expect(() => builder.add(1, 0.5)).toThrow(/count/);
    expect(() => new GridBuilder({ cellSize: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_GRID_OPTION' }),
    );
  });
});
