/** Properties of the block segment codec, on any frames, block size and single damaged byte. */

import { gunzipSync } from 'node:zlib';
import { EVENT_KINDS, emptyEvent, type HeatEvent } from '@monkeytracker/grid';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../src/batch-codec';
import { inflateBlock, parseBlockSegment } from '../src/block-segment-reader';
import { encodeBlockSegment } from '../src/block-segment-writer';
import { EventStage } from '../src/event-stage';
import { encodeFrame, scanFrames } from '../src/frame-codec';

const eventArb: fc.Arbitrary<HeatEvent> = fc
  .tuple(
    fc.record({
      kind: fc.constantFrom(...EVENT_KINDS),
      url: fc.constantFrom('/', '/a', '/pricing', '/blog/2024/06/some-long-post-name'),
      x: fc.nat({ max: 4000 }),
      y: fc.nat({ max: 20_000 }),
      vw: fc.constantFrom(390, 1280, 1920),
      vh: fc.constantFrom(844, 800, 1080),
      t: fc.integer({ min: 1_700_000_000_000, max: 1_700_100_000_000 }),
      site: fc.constantFrom('default', 'b.example'),
    }),
    fc.option(
      fc.record({
        sel: fc.constantFrom('#buy', 'nav>a:nth-of-type(2)', '[data-mt="hero"]'),
        ox: fc.nat({ max: 1000 }),
        oy: fc.nat({ max: 1000 }),
        ew: fc.nat({ max: 2000 }),
        eh: fc.nat({ max: 2000 }),
      }),
    ),
  )
  .map(([base, element]) => Object.assign(emptyEvent(), base, element ?? {}));

/** A raw segment: one frame per batch (positions from 0), optionally with garbage before some frames. */
const segmentArb = fc
  .array(
    fc.record({
      events: fc.array(eventArb, { maxLength: 120 }),
      garbage: fc.option(fc.uint8Array({ minLength: 1, maxLength: 40 }), { freq: 8 }),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .map((frames) => {
    const parts: Uint8Array[] = [];
    let position = 0;
    for (const f of frames) {
      if (f.garbage) parts.push(f.garbage);
      const stage = new EventStage(4);
      stage.add(f.events, 0, f.events.length);
      stage.first = position;
      position += f.events.length;
      parts.push(encodeFrame(encodeBatch(stage)));
    }
    return Buffer.concat(parts);
  });

const options = (blockBytes: number) => ({ writtenMax: 1_700_000_000_000, level: 6, blockBytes });

/** Reads a block segment in memory: the offsets of the frames it yields, and whether anything was reported. */
function readFrames(sealed: Buffer): {
  offsets: number[];
  reported: boolean;
  blocks: { offset: number; frames: number[] }[];
} {
  const parsed = parseBlockSegment(sealed);
  if (!parsed) return { offsets: [], reported: true, blocks: [] };
  let reported = parsed.issues.length > 0;
  const offsets: number[] = [];
  const blocks: { offset: number; frames: number[] }[] = [];
  for (const b of parsed.blocks) {
    const raw = inflateBlock(b);
    if (raw instanceof Error) {
      reported = true;
      continue;
    }
    const frames = scanFrames(raw).frames.map((f) => b.record.rawOffset + f.offset);
    blocks.push({ offset: b.record.rawOffset, frames });
    offsets.push(...frames);
  }
  return { offsets, reported, blocks };
}

describe('block segment codec', () => {
  it('round-trips any raw segment at any block size: gunzip gives it back, blocks cover it in whole frames', async () => {
    await fc.assert(
      fc.asyncProperty(segmentArb, fc.integer({ min: 64, max: 16 * 1024 }), async (raw, blockBytes) => {
        const encoded = await encodeBlockSegment(raw, options(blockBytes));
        const sealed = Buffer.concat(encoded.parts);
        expect(sealed.length).toBe(encoded.bytes);
        expect(gunzipSync(sealed).equals(raw)).toBe(true);
        const parsed = parseBlockSegment(sealed);
        expect(parsed?.issues).toEqual([]);
        expect(parsed?.summary).toEqual(encoded.summary);
        const frameEnds = new Set(scanFrames(raw).frames.map((f) => f.offset + 12 + f.payload.length));
        let rawOffset = 0;
        let events = 0;
        for (const b of parsed?.blocks ?? []) {
          expect(b.record.rawOffset).toBe(rawOffset);
          const bytes = inflateBlock(b) as Buffer;
          expect(bytes.equals(raw.subarray(rawOffset, rawOffset + b.record.rawBytes))).toBe(true);
          rawOffset += b.record.rawBytes;
          events += b.record.events;
          const frames = scanFrames(bytes).frames.length;
          // Whole frames only; over the target only when a single frame is larger than it.
          if (rawOffset < raw.length) expect(frameEnds.has(rawOffset)).toBe(true);
          if (frames > 1) expect(b.record.rawBytes).toBeLessThanOrEqual(blockBytes);
        }
        expect(rawOffset).toBe(raw.length);
        expect(events).toBe(encoded.summary.events);
      }),
      { numRuns: 150 },
    );
  });

  it('one damaged byte anywhere loses at most one block, and is always reported', async () => {
    await fc.assert(
      fc.asyncProperty(
        segmentArb,
        fc.integer({ min: 256, max: 4096 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 255 }),
        async (raw, blockBytes, where, mask) => {
          const sealed = Buffer.concat((await encodeBlockSegment(raw, options(blockBytes))).parts);
          const intact = readFrames(sealed);
          const at = Math.floor(where * sealed.length);
          const damaged = Buffer.from(sealed);
          damaged[at] = (damaged[at] as number) ^ mask;
          const read = readFrames(damaged);
          expect(read.reported).toBe(true);
          const kept = new Set(read.offsets);
          const lost = intact.offsets.filter((o) => !kept.has(o));
          const inOneBlock = intact.blocks.some((b) => lost.every((o) => b.frames.includes(o)));
          expect(lost.length === 0 || inOneBlock).toBe(true);
          expect(read.offsets.every((o) => intact.offsets.includes(o))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
