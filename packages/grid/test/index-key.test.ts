import { EVENT_KINDS, type IndexKey, keyFromString, keyToString, type Period } from '@monkeytracker/grid';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const periodArb = fc.oneof(
  fc
    .date({ min: new Date('1970-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
    .map((d) => `d:${d.toISOString().slice(0, 10)}` as Period),
  fc
    .date({ min: new Date('1970-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
    .map((d) => `m:${d.toISOString().slice(0, 7)}` as Period),
);
const textArb = fc.oneof(
  fc.string({ minLength: 1 }),
  fc.string({ unit: 'grapheme', minLength: 1 }),
  fc.constantFrom('|', '||', '%7C', '%25', '%', '$where', 'a.b', '"quoted"', "it's", '/ünï/😀'),
);
const keyArb: fc.Arbitrary<IndexKey> = fc.record({
  site: textArb,
  url: textArb,
  kind: fc.constantFrom(...EVENT_KINDS),
  bucket: fc.integer({ min: 0, max: 255 }),
  period: periodArb,
});

describe('index keys', () => {
  it('keyFromString inverts keyToString for any site and url, separators included', () => {
    fc.assert(
      fc.property(keyArb, (key) => {
        expect(keyFromString(keyToString(key))).toEqual(key);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives distinct strings to distinct keys', () => {
    fc.assert(
      fc.property(keyArb, keyArb, (a, b) => {
        if (JSON.stringify(a) !== JSON.stringify(b)) expect(keyToString(a)).not.toBe(keyToString(b));
      }),
    );
  });

  it('rejects malformed keys and strings with INVALID_KEY', () => {
    const good: IndexKey = { site: 's', url: '/', kind: 'click', bucket: 1, period: 'd:2024-01-31' };
    const bad: unknown[] = [
      { ...good, site: '' },
      { ...good, url: '' },
      { ...good, kind: 'hover' },
      { ...good, bucket: 256 },
      { ...good, bucket: 1.5 },
      { ...good, period: 'd:2024-13-01' },
      { ...good, period: 'w:2024-01' },
      { ...good, period: '2024-01-01' },
    ];
    for (const key of bad)
      expect(() => keyToString(key as IndexKey)).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }));
    for (const s of [
      '',
      's|click|1|d:2024-01-31',
      's|click|01|d:2024-01-31|/',
      's|hover|1|d:2024-01-31|/',
      's|click|x|d:2024-01-31|/',
    ]) {
      expect(() => keyFromString(s)).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }));
    }
  });
});
