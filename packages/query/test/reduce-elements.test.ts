import { ElementBuilder, type GridIndex } from '@monkeytracker/grid';
import { describe, expect, it } from 'vitest';
import { InvalidQueryError, pageKeyOf, reduceElements, TOP_ELEMENTS } from '../src/index';

function clicks(list: [selector: string, n: number][], at = { ox: 100, oy: 900 }): GridIndex {
  const b = new ElementBuilder();
  for (const [selector, n] of list)
    for (let i = 0; i < n; i++) b.addClick(selector, at.ox, at.oy, 10, 20, 100, 40);
  return b.toIndex();
}

describe('reduceElements', () => {
  const day1 = clicks([
    ['#buy', 5],
    ['#nav', 2],
    ['body>p', 1],
  ]);
  const day2 = clicks(
    [
      ['#buy', 3],
      ['#signup', 4],
    ],
    { ox: 999, oy: 0 },
  );

  it('ranks elements by clicks across stored and live parts, with shares of the total', () => {
    const h = reduceElements({ stored: [day1], live: [day2] });
    expect(h.total).toBe(15);
    expect(h.elements.map((e) => [e.selector, e.count])).toEqual([
      ['#buy', 8],
      ['#signup', 4],
      ['#nav', 2],
      ['body>p', 1],
    ]);
    expect(h.elements[0]!.share).toBeCloseTo(8 / 15);
    expect(h.elements[0]!.cells).toEqual([
      { x: 100, y: 900, count: 5 },
      { x: 950, y: 0, count: 3 },
    ]);
    expect(h.elements[0]!.box).toEqual({ x: 10, y: 20, width: 100, height: 40 });
    expect(h.max).toBe(8);
    expect(h.cellMax).toBe(5);
    expect(h.grid).toEqual({ cells: 20, units: 50 });
  });

  it('top and minCount drop elements but never change total or topElements', () => {
    const h = reduceElements({ stored: [day1, day2], top: 1, minCount: 2 });
    expect(h.elements.map((e) => e.selector)).toEqual(['#buy']);
    expect(h.total).toBe(15);
    expect(h.elementCount).toBe(4);
    expect(h.topElements.map((e) => e.selector)).toEqual(['#buy', '#signup', '#nav', 'body>p']);
    const few = reduceElements({ stored: [day1], minCount: 3 });
    expect(few.elements.map((e) => e.selector)).toEqual(['#buy']);
  });

  it(`names at most ${TOP_ELEMENTS} top elements; an empty range answers empty`, () => {
    const many = clicks(Array.from({ length: 30 }, (_, i) => [`#e${i}`, i + 1] as [string, number]));
    expect(reduceElements({ stored: [many] }).topElements).toHaveLength(TOP_ELEMENTS);
    expect(reduceElements({ stored: [] })).toMatchObject({ total: 0, max: 0, elements: [], topElements: [] });
  });

  it('element mode needs a kind with elements', () => {
    expect(() =>
      pageKeyOf({
        mode: 'element',
        url: '/',
        kind: 'scroll' as 'click',
        vw: 1280,
        from: '2024-01-01',
        to: '2024-01-01',
      }),
    ).toThrow(InvalidQueryError);
    expect(
      pageKeyOf({ mode: 'element', url: '/', kind: 'rage', vw: 1280, from: '2024-01-01', to: '2024-01-01' })
        .kind,
    ).toBe('el:rage');
    expect(() =>
      pageKeyOf({
        mode: 'x' as 'page',
        url: '/',
        kind: 'click',
        vw: 1,
        from: '2024-01-01',
        to: '2024-01-01',
      }),
    ).toThrow(/mode/);
  });
});
