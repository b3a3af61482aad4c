import { createTracker } from 'monkeytracker';
import { describe, expect, it } from 'vitest';

describe('smoke', () => {
  it('tracks and queries', async () => {
    let now = Date.UTC(2024, 5, 10, 12);
    const tracker = await createTracker({ now: () => now });
    const r = tracker.track([
      { kind: 'click', url: '/a/', x: 15, y: 25, vw: 1280, vh: 700 },
      { kind: 'click', url: '/a', x: 15, y: 25, vw: 1280, vh: 700 },
      { kind: 'click', url: '/a', x: -1, y: 25, vw: 1280, vh: 700 },
    ]);
    expect(r).toEqual({ accepted: 2, rejected: [{ index: 2, reason: 'x' }] });
    const q = { url: '/a', kind: 'click' as const, vw: 1300, from: '2024-06-01', to: '2024-06-30' };
    expect((await tracker.query(q)).cells).toEqual([{ x: 10, y: 20, count: 2 }]);
    await tracker.flush();
    expect((await tracker.query(q)).cells).toEqual([{ x: 10, y: 20, count: 2 }]);
    now += 86_400_000;
    tracker.track({ kind: 'click', url: '/a', x: 15, y: 25, vw: 1280, vh: 700 });
    expect((await tracker.query(q)).total).toBe(3);
    expect(tracker.stats()).toMatchObject({ accepted: 3, rejected: { x: 1 } });
    await tracker.close();
    await tracker.close();
  });
});
