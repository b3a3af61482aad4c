import {
  decodeIndex,
  ELEMENT_INDEX_FORMAT_VERSION,
  ElementBuilder,
  EMPTY_INDEX,
  elementEntries,
  encodeIndex,
  type GridIndex,
  IndexCodecError,
  indexesEqual,
  indexFromEntries,
  isElementIndex,
  mergeIndexes,
  mergeMany,
} from '@monkeytracker/grid';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** One click as the element index sees it. */
interface Click {
  sel: string;
  ox: number;
  oy: number;
  left: number;
  top: number;
  w: number;
  h: number;
}

const selectorArb = fc.constantFrom(
  '[data-mt="buy"]',
  '[data-mt="nav"]>a:nth-of-type(2)',
  '#signup',
  'body>main>p',
  '#pricing>div:nth-of-type(3)>button',
  'a',
  'b',
  'Z',
);
const clickArb: fc.Arbitrary<Click> = fc.record({
  sel: selectorArb,
  ox: fc.integer({ min: 0, max: 1000 }),
  oy: fc.integer({ min: 0, max: 1000 }),
  left: fc.integer({ min: 0, max: 100_000 }),
  top: fc.integer({ min: 0, max: 1_000_000 }),
  w: fc.integer({ min: 0, max: 5000 }),
  h: fc.integer({ min: 0, max: 5000 }),
});

function build(clicks: readonly Click[]): GridIndex {
  const b = new ElementBuilder();
  for (const c of clicks) b.addClick(c.sel, c.ox, c.oy, c.left, c.top, c.w, c.h);
  return b.toIndex();
}
const elementIndexArb = fc.array(clickArb, { maxLength: 60 }).map(build);

/** The naive reading: clicks and inner cells per selector, straight from the clicks. */
function naive(
  clicks: readonly Click[],
): Map<string, { count: number; inner: Map<string, number>; sums: number[] }> {
  const out = new Map<string, { count: number; inner: Map<string, number>; sums: number[] }>();
  for (const c of clicks) {
    let e = out.get(c.sel);
    if (!e) out.set(c.sel, (e = { count: 0, inner: new Map(), sums: [0, 0, 0, 0] }));
    e.count++;
    const cell = `${Math.min(19, Math.floor(c.ox / 50)) * 50},${Math.min(19, Math.floor(c.oy / 50)) * 50}`;
    e.inner.set(cell, (e.inner.get(cell) ?? 0) + 1);
    e.sums[0]! += c.left;
    e.sums[1]! += c.top;
    e.sums[2]! += c.w;
    e.sums[3]! += c.h;
  }
  return out;
}

describe('element index', () => {
  it('counts per selector and inner cell exactly what the clicks say', () => {
    fc.assert(
      fc.property(fc.array(clickArb, { maxLength: 80 }), (clicks) => {
        const index = build(clicks);
        const expected = naive(clicks);
        const entries = elementEntries(index);
        expect(entries.map((e) => e.selector)).toEqual([...expected.keys()].sort());
        for (const e of entries) {
          const want = expected.get(e.selector)!;
          expect(e.count).toBe(want.count);
          expect(new Map(e.cells.map((c) => [`${c.x},${c.y}`, c.count]))).toEqual(want.inner);
          expect(e.box).toEqual({
            x: Math.round(want.sums[0]! / want.count),
            y: Math.round(want.sums[1]! / want.count),
            width: Math.round(want.sums[2]! / want.count),
            height: Math.round(want.sums[3]! / want.count),
          });
        }
        expect(index.total).toBe(clicks.length);
      }),
    );
  });

  it('merges associatively and commutatively, with the empty index as identity', () => {
    fc.assert(
      fc.property(elementIndexArb, elementIndexArb, elementIndexArb, (a, b, c) => {
        expect(indexesEqual(mergeIndexes(mergeIndexes(a, b), c), mergeIndexes(a, mergeIndexes(b, c)))).toBe(
          true,
        );
        expect(indexesEqual(mergeIndexes(a, b), mergeIndexes(b, a))).toBe(true);
        expect(indexesEqual(mergeIndexes(a, EMPTY_INDEX), a)).toBe(true);
        expect(indexesEqual(mergeIndexes(EMPTY_INDEX, a), a)).toBe(true);
        expect(indexesEqual(mergeMany([a, b, c]), mergeIndexes(mergeIndexes(a, b), c))).toBe(true);
      }),
    );
  });

  it('merging two builds equals building the concatenated clicks', () => {
    fc.assert(
      fc.property(fc.array(clickArb, { maxLength: 40 }), fc.array(clickArb, { maxLength: 40 }), (x, y) => {
        expect(indexesEqual(mergeIndexes(build(x), build(y)), build([...x, ...y]))).toBe(true);
      }),
    );
  });

  it('round-trips through the codec as format 2, and page grids stay format 1', () => {
    fc.assert(
      fc.property(elementIndexArb, (a) => {
        const bytes = encodeIndex(a);
        const back = decodeIndex(bytes);
        expect(indexesEqual(back, a)).toBe(true);
        if (a.total > 0) {
          expect(bytes[0]).toBe(ELEMENT_INDEX_FORMAT_VERSION);
          expect(isElementIndex(back)).toBe(true);
        }
      }),
    );
    expect(encodeIndex(indexFromEntries([[5, 1]]))[0]).toBe(1);
  });

  it('refuses to merge an element index with a page grid', () => {
    const el = build([{ sel: 'a', ox: 0, oy: 0, left: 0, top: 0, w: 1, h: 1 }]);
    expect(() => mergeIndexes(el, indexFromEntries([[1, 1]]))).toThrow(/element index with a page grid/);
  });

  it('rejects corrupt format 2 blobs: flipped bytes never decode into a different index silently', () => {
    const index = build([
      { sel: '#a', ox: 10, oy: 990, left: 5, top: 6, w: 7, h: 8 },
      { sel: '#b', ox: 500, oy: 500, left: 50, top: 60, w: 70, h: 80 },
      { sel: '#b', ox: 510, oy: 20, left: 51, top: 61, w: 71, h: 81 },
    ]);
    const bytes = encodeIndex(index);
    let refused = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x10, 0x80]) {
        const bad = bytes.slice();
        bad[i]! ^= bit;
        try {
          const got = decodeIndex(bad);
          // A flip may survive only where it changes a value the format cannot check (a box sum,
          // a selector character): then it must still be a well-formed element index.
          expect(isElementIndex(got)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(IndexCodecError);
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(bytes.length);
  });
});
