import {
  blockPeriod,
  EVENT_KINDS,
  type IndexKey,
  keyFromString,
  keyToString,
  type Period,
} from '@monkeytracker/grid';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimId } from '../src/index-document';
import { stampId } from '../src/page-stamps';

const periodArb = fc.oneof(
  fc.integer({ min: 1, max: 28 }).map((d) => `d:2024-02-${String(d).padStart(2, '0')}` as Period),
  fc.integer({ min: 1, max: 12 }).map((m) => `m:2024-${String(m).padStart(2, '0')}` as Period),
  fc.integer({ min: 19_000, max: 20_000 }).map((day) => blockPeriod(day, 3)),
  fc.integer({ min: 19_000, max: 20_000 }).map((day) => blockPeriod(day, 9)),
);
const textArb = fc.oneof(
  fc.string({ minLength: 1 }),
  fc.constantFrom('|', '||', '%7C', 'stamp', 'claim', 'click', '/a|b|c', '/ünï/😀'),
);
const keyArb: fc.Arbitrary<IndexKey> = fc.record({
  site: textArb,
  url: textArb,
  kind: fc.constantFrom(...EVENT_KINDS),
  bucket: fc.integer({ min: 0, max: 255 }),
  period: periodArb,
});

describe('page stamps', () => {
  it('one stamp per heatmap: keys share a stamp exactly when they differ in period alone', () => {
    fc.assert(
      fc.property(keyArb, keyArb, (a, b) => {
        const samePage = a.site === b.site && a.url === b.url && a.kind === b.kind && a.bucket === b.bucket;
        expect(stampId(keyToString(a)) === stampId(keyToString(b))).toBe(samePage);
        expect(stampId(keyToString(a))).toBe(stampId(keyToString({ ...a, period: b.period })));
      }),
    );
  });

  it('a stamp id is never a key string nor a claim id, so list and delete never meet one', () => {
    fc.assert(
      fc.property(keyArb, fc.integer({ min: 1, max: 1000 }), (key, v) => {
        const id = stampId(keyToString(key));
        expect(() => keyFromString(id)).toThrow();
        expect(id).not.toBe(claimId(keyToString(key), v));
        expect(id.startsWith('stamp|')).toBe(true);
      }),
    );
  });
});
