import { cellOf, EMPTY_INDEX, GridBuilder, scrollReach } from '@monkeytracker/grid';
import { describe, expect, it } from 'vitest';

describe('scrollReach', () => {
  it('is the share of page views whose deepest point is at or below each depth', () => {
    const builder = new GridBuilder({ cellSize: 100 });
    // 10 page views: deepest points 50, 150, 150, 350, and six at 1050.
    for (const y of [50, 150, 150, 350, 1050, 1050, 1050, 1050, 1050, 1050]) builder.add(cellOf(0, y, 100));
    expect(scrollReach(builder.toIndex(), 100)).toEqual([
      { y: 0, share: 1 },
      { y: 100, share: 0.9 },
      { y: 300, share: 0.7 },
      { y: 1000, share: 0.6 },
    ]);
  });

  it('matches a naive count for random depths', () => {
    const depths = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 20_000);
    const builder = new GridBuilder({ cellSize: 10 });
    for (const y of depths) builder.add(cellOf(0, y, 10));
    for (const { y, share } of scrollReach(builder.toIndex(), 10)) {
      const naive = depths.filter((d) => Math.floor(d / 10) * 10 >= y).length / depths.length;
      expect(share).toBeCloseTo(naive, 12);
    }
  });

  it('is empty for an empty index', () => {
    expect(scrollReach(EMPTY_INDEX, 10)).toEqual([]);
  });
});
