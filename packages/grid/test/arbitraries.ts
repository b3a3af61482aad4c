import { type GridIndex, indexFromEntries, MAX_CELL_ID } from '@monkeytracker/grid';
import fc from 'fast-check';

/** Cell ids biased towards clusters (like real heatmaps) with some spread over the whole range. */
export const cellIdArb = fc.oneof(
  fc.integer({ min: 0, max: 4096 * 200 }),
  fc.integer({ min: 0, max: MAX_CELL_ID }),
  fc.constantFrom(0, MAX_CELL_ID, MAX_CELL_ID - 1, 4095, 4096),
);

/** Counts from 1 up to large month totals (past 2^32). */
export const countArb = fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 2 ** 40 }));

/** A random grid index. */
export const indexArb: fc.Arbitrary<GridIndex> = fc
  .array(fc.tuple(cellIdArb, countArb), { maxLength: 200 })
  .map((entries) => indexFromEntries(entries));
