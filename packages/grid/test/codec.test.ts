import {
  decodeIndex,
  EMPTY_INDEX,
  encodeIndex,
  INDEX_FORMAT_VERSION,
  indexesEqual,
  indexFromEntries,
  MAX_CELL_ID,
} from '@monkeytracker/grid';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexArb } from './arbitraries';

describe('codec', () => {
  it('round-trips exactly', () => {
    fc.assert(
      fc.property(indexArb, (index) => {
        const decoded = decodeIndex(encodeIndex(index));
        expect(indexesEqual(decoded, index)).toBe(true);
        expect(decoded.cells).toBeInstanceOf(Uint32Array);
        expect(decoded.counts).toBeInstanceOf(Float64Array);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips the edges: empty, the largest cell id, counts near 2^53', () => {
    for (const index of [
      EMPTY_INDEX,
      indexFromEntries([[MAX_CELL_ID, 1]]),
      indexFromEntries([
        [0, 2 ** 51],
        [1, 1],
        [MAX_CELL_ID, 2 ** 51 - 1],
      ]),
    ]) {
      expect(indexesEqual(decodeIndex(encodeIndex(index)), index)).toBe(true);
    }
  });

  it('starts with the format version byte', () => {
    expect(encodeIndex(indexFromEntries([[1, 1]]))[0]).toBe(INDEX_FORMAT_VERSION);
  });

  it('stays under 3 bytes per cell on a clustered index', () => {
    // One gaussian-ish blob of 100,000 clicks, as a day of a hot page.
    const entries: [number, number][] = [];
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let i = 0; i < 100_000; i++) {
      const g = () => random() + random() + random() - 1.5;
      const cx = Math.max(0, Math.round(60 + g() * 30));
      const cy = Math.max(0, Math.round(80 + g() * 60));
      entries.push([cy * 4096 + cx, 1]);
    }
    const index = indexFromEntries(entries);
    expect(encodeIndex(index).length / index.cells.length).toBeLessThan(3);
  });

  const corruptCases: [string, Uint8Array][] = [
    ['empty input', new Uint8Array(0)],
    ['one byte', new Uint8Array([1])],
    ['unknown version', new Uint8Array([99, 0x80])],
    ['not msgpack', new Uint8Array([1, 0xc1, 0xc1, 0xc1])],
    ['msgpack but not a map', new Uint8Array([1, 0x05])],
  ];
  it.each(corruptCases)('throws INDEX_CORRUPT on %s', (_name, bytes) => {
    expect(() => decodeIndex(bytes)).toThrow(
      expect.objectContaining({ code: 'INDEX_CORRUPT', name: 'IndexCodecError' }),
    );
  });

  it('never returns nonsense for truncated or bit-flipped blobs', () => {
    fc.assert(
      fc.property(
        indexArb,
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        fc.boolean(),
        (index, at, bit, truncate) => {
          if (index.cells.length === 0) return;
          const bytes = encodeIndex(index).slice();
          const pos = at % bytes.length;
          if (truncate) {
            expect(() => decodeIndex(bytes.subarray(0, pos))).toThrow(
              expect.objectContaining({ code: 'INDEX_CORRUPT' }),
            );
            return;
          }
          bytes[pos]! ^= 1 << bit;
          let decoded: ReturnType<typeof decodeIndex> | undefined;
          try {
            decoded = decodeIndex(bytes);
          } catch (err) {
            expect(err).toMatchObject({ code: 'INDEX_CORRUPT' });
            return;
          }
          // A flip the checks cannot see must still leave a well-formed index whose counts add up.
          let sum = 0;
          for (let i = 0; i < decoded.cells.length; i++) {
            if (i > 0) expect(decoded.cells[i]!).toBeGreaterThan(decoded.cells[i - 1]!);
            expect(decoded.counts[i]!).toBeGreaterThanOrEqual(1);
            sum += decoded.counts[i]!;
          }
          expect(sum).toBe(decoded.total);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('throws (and does not hang) on random garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const withVersion = new Uint8Array([INDEX_FORMAT_VERSION, ...bytes]);
        try {
          const decoded = decodeIndex(withVersion);
          // Garbage that happens to be a valid encoding must at least be internally consistent.
          expect(indexesEqual(decodeIndex(encodeIndex(decoded)), decoded)).toBe(true);
        } catch (err) {
          expect(err).toMatchObject({ code: 'INDEX_CORRUPT' });
        }
      }),
      { numRuns: 2000 },
    );
  });
});
