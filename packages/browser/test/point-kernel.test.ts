import { describe, expect, it } from 'vitest';
import { pointKernel } from '../src/point-kernel';

describe('pointKernel', () => {
  it('is a disc of full intensity that fades to nothing at radius + blur', () => {
    const k = pointKernel(25, 15, 5);
    expect(k.size).toBe(2 * 8 + 2);
    expect(k.taps).toHaveLength(16);
    const centre = k.taps[0]!;
    const at = (tx: number, ty: number) => centre[ty * k.size + tx]!;
    expect(at(k.reach, k.reach)).toBe(1); // the point's own sample
    expect(at(k.reach + 2, k.reach)).toBe(1); // 10 px away: inside radius − blur
    expect(at(k.reach + 5, k.reach)).toBeGreaterThan(0); // 25 px: half-way down the edge
    expect(at(k.reach + 5, k.reach)).toBeCloseTo(0.5, 5);
    expect(at(k.reach + 8, k.reach)).toBe(0); // 40 px: radius + blur
    for (const v of centre) expect(v >= 0 && v <= 1).toBe(true);
  });
  it('is symmetric, and each phase table is the centre one shifted by a sub-sample', () => {
    const k = pointKernel(10, 6, 2, 4);
    const t = k.taps[0]!;
    const n = k.size;
    for (let y = 0; y < n - 1; y++) {
      for (let x = 0; x < n - 1; x++) {
        const mx = 2 * k.reach - x; // mirrored around the centre tap
        const my = 2 * k.reach - y;
        if (mx >= 0 && my >= 0 && mx < n && my < n) expect(t[y * n + x]).toBeCloseTo(t[my * n + mx]!, 6);
        expect(t[y * n + x]).toBeCloseTo(t[x * n + y]!, 6);
      }
    }
    // Phase 2 of 4 in x: half a sample to the right, so taps reach and reach + 1 are equal.
    const half = k.taps[2]!;
    expect(half[k.reach * n + k.reach]).toBeCloseTo(half[k.reach * n + k.reach + 1]!, 6);
  });
  it('spans cover exactly the non-zero taps', () => {
    const k = pointKernel(7, 3, 1);
    k.taps.forEach((table, p) => {
      const span = k.spans[p]!;
      for (let y = 0; y < k.size; y++) {
        for (let x = 0; x < k.size; x++) {
          const inside = x >= span[2 * y]! && x < span[2 * y + 1]!;
          if (!inside) expect(table[y * k.size + x]).toBe(0);
        }
      }
    });
  });
  it('without blur is a hard disc', () => {
    const k = pointKernel(3, 0, 1, 1);
    const values = new Set(k.taps[0]);
    expect([...values].sort()).toEqual([0, 1]);
  });
});
