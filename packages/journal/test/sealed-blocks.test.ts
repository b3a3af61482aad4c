/**
 * Sealed block segments under damage: one flipped byte anywhere loses at most the one block it
 * hits, the rest reads back exactly, and every flip is reported; edited summaries never make a
 * range read skip events.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, gunzipSync } from 'node:zlib';
import type { HeatEvent } from '@monkeytracker/grid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSegmentRecord, type SegmentRecord } from '../src/block-format';
import { type ParsedBlock, parseBlockSegment } from '../src/block-segment-reader';
import {
  type CorruptionEntry,
  JournalCorruptionError,
  openJournal,
  pruneJournal,
  readJournalFrames,
  verifyJournal,
} from '../src/index';
import { eventAt, eventsFrom, readAll, tempDir } from './helpers';

// 60 frames of 50 events (about 700 raw bytes each) in blocks of about 4 KiB: a dozen blocks of several frames.
const EVENTS = 3000;
const PER_FRAME = 50;
const BLOCK_BYTES = 4096;

/** A journal of one sealed block segment of EVENTS events (event i at position i), and its layout. */
interface Fixture {
  dir: string;
  path: string;
  raw: Buffer;
  sealed: Buffer;
  blocks: ParsedBlock[];
  cleanup: () => void;
}

async function sealedFixture(): Promise<Fixture> {
  const t = tempDir();
  // Write raw first (to keep its bytes), then let recovery seal it into blocks.
  const writer = await openJournal({ dir: t.dir, fsyncMs: 20, compress: false });
  for (let i = 0; i < EVENTS; i += PER_FRAME) {
    writer.append(eventsFrom(i, PER_FRAME));
    await writer.flush();
  }
  await writer.close();
  const rawFile = readdirSync(t.dir).find((f) => f.endsWith('.mtj')) as string;
  const raw = readFileSync(join(t.dir, rawFile));
  const sealer = await openJournal({ dir: t.dir, fsyncMs: 20, blockBytes: BLOCK_BYTES });
  await sealer.close();
  const file = readdirSync(t.dir).find((f) => f.endsWith('.mtj.gz')) as string;
  const path = join(t.dir, file);
  const sealed = readFileSync(path);
  const parsed = parseBlockSegment(sealed);
  if (!parsed) throw new Error('not a block segment');
  return { dir: t.dir, path, raw, sealed, blocks: parsed.blocks, cleanup: t.cleanup };
}

let fx: Fixture;
beforeAll(async () => {
  fx = await sealedFixture();
});
afterAll(() => fx.cleanup());

const ALL = eventsFrom(0, EVENTS);

/** Events of block `b` (positions [first, end), event i at position i). */
function blockEvents(b: ParsedBlock): [number, number] {
  return [b.record.first as number, b.record.end as number];
}

/** An event as a short string: comparing thousands of these is much faster than deep equality. */
const key = (e: HeatEvent) => `${e.kind} ${e.url} ${e.x} ${e.y} ${e.vw} ${e.vh} ${e.t} ${e.site}`;
const ALL_KEYS = ALL.map(key);

/** Which block's events are missing from `read`: null when none; fails unless exactly one block's are. */
function lostBlock(read: HeatEvent[], where: string): ParsedBlock | null {
  const keys = read.map(key);
  let missingAt = keys.findIndex((k, i) => k !== ALL_KEYS[i]);
  if (missingAt === -1) missingAt = keys.length;
  if (missingAt === EVENTS && keys.length === EVENTS) return null;
  // The first event missing names the block; the read must be everything but that block's events.
  const b = fx.blocks.find((x) => (x.record.first as number) === missingAt);
  expect(b, `${where}: lost events from position ${missingAt}, which starts no block`).toBeDefined();
  const [first, end] = blockEvents(b as ParsedBlock);
  const rest = [...ALL_KEYS.slice(0, first), ...ALL_KEYS.slice(end)];
  expect(
    keys.length === rest.length && keys.every((k, i) => k === rest[i]),
    `${where}: more than block ${b?.record.index} lost`,
  ).toBe(true);
  return b as ParsedBlock;
}

/** Reads the journal with one byte of the sealed file XORed with `mask`; returns what was lost and reported. */
async function withFlip(at: number, mask: number) {
  const bytes = Buffer.from(fx.sealed);
  bytes[at] = (bytes[at] as number) ^ mask;
  writeFileSync(fx.path, bytes);
  try {
    const seen: CorruptionEntry[] = [];
    const read = await readAll({ dir: fx.dir, onCorruption: (c) => seen.push(c) });
    const report = await verifyJournal({ dir: fx.dir });
    return { read, seen, report };
  } finally {
    writeFileSync(fx.path, fx.sealed);
  }
}

describe('sealed block segments', () => {
  it('hold several blocks of whole frames that gunzip (as multi-member gzip) to exactly the raw segment', async () => {
    expect(fx.blocks.length).toBeGreaterThanOrEqual(8);
    expect(fx.blocks.every((b) => b.record.events >= 2 * PER_FRAME)).toBe(true);
    expect(gunzipSync(fx.sealed).equals(fx.raw)).toBe(true);
    let rawOffset = 0;
    let position = 0;
    for (const [i, b] of fx.blocks.entries()) {
      expect(b.record).toMatchObject({ index: i, rawOffset, first: position });
      expect(b.record.events).toBe((b.record.end as number) - position);
      rawOffset += b.record.rawBytes;
      position = b.record.end as number;
    }
    expect([rawOffset, position]).toEqual([fx.raw.length, EVENTS]);
    expect(await readAll({ dir: fx.dir, strict: true })).toEqual(ALL);
    expect(await verifyJournal({ dir: fx.dir })).toMatchObject({
      ok: true,
      events: EVENTS,
      corruptFrames: 0,
    });
  });

  it('loses at most the block a flipped byte hits, in every region, reports every flip, and reads the rest exactly', async () => {
    const first = fx.blocks[0] as ParsedBlock;
    const middle = fx.blocks[Math.floor(fx.blocks.length / 2)] as ParsedBlock;
    const last = fx.blocks.at(-1) as ParsedBlock;
    const regions: { name: string; from: number; to: number; block: ParsedBlock | null; step: number }[] = [
      { name: 'header member', from: 0, to: first.fileOffset, block: null, step: 1 },
      { name: 'trailer member', from: last.fileEnd, to: fx.sealed.length, block: null, step: 1 },
    ];
    for (const [name, b] of [
      ['first block', first],
      ['middle block', middle],
      ['last block', last],
    ] as const) {
      const dataAt = b.fileEnd - 8 - b.record.compressedBytes;
      // Every byte of the member header and gzip trailer, a sample of the compressed data.
      regions.push({ name: `${name} header`, from: b.fileOffset, to: dataAt, block: b, step: 1 });
      regions.push({ name: `${name} data`, from: dataAt, to: b.fileEnd - 8, block: b, step: 53 });
      regions.push({ name: `${name} gzip trailer`, from: b.fileEnd - 8, to: b.fileEnd, block: b, step: 1 });
    }
    let flips = 0;
    let blocksLost = 0;
    for (const r of regions) {
      for (let at = r.from; at < r.to; at += r.step) {
        const { read, report } = await withFlip(at, at % 2 === 0 ? 0xff : 0x01);
        const lost = lostBlock(read, `${r.name} flip at ${at}`);
        // Only the block the byte belongs to can be lost (a header/trailer flip loses nothing).
        if (lost) {
          expect(lost, `${r.name} flip at ${at}`).toBe(r.block);
          blocksLost++;
          expect(report.eventsLost).toBe(lost.record.events);
        }
        expect(report.ok, `${r.name} flip at ${at} went unreported`).toBe(false);
        expect(report.events).toBe(read.length);
        flips++;
      }
    }
    expect(flips).toBeGreaterThan(300);
    expect(blocksLost).toBeGreaterThan(0);
  }, 60_000);

  it('keeps the blocks before a cut, and reports the rest', async () => {
    const cut = Math.floor(fx.sealed.length * 0.6);
    writeFileSync(fx.path, fx.sealed.subarray(0, cut));
    try {
      const read = await readAll({ dir: fx.dir });
      const kept = fx.blocks.filter((b) => b.fileEnd <= cut);
      expect(read).toEqual(ALL.slice(0, (kept.at(-1) as ParsedBlock).record.end));
      const report = await verifyJournal({ dir: fx.dir });
      expect(report.ok).toBe(false);
      expect(report.corruptions.map((c) => c.reason)).toContain('block');
      expect(report.eventsLost).toBe(EVENTS - read.length);
      await expect(readAll({ dir: fx.dir, strict: true })).rejects.toThrow(JournalCorruptionError);
    } finally {
      writeFileSync(fx.path, fx.sealed);
    }
  });
});

/** Rewrites the summary record of the header (and the trailer, when `both`) with valid CRCs: a deliberate edit, not damage. */
function editSummary(sealed: Buffer, edit: (s: SegmentRecord) => SegmentRecord, both: boolean): Buffer {
  const out = Buffer.from(sealed);
  const parsed = parseBlockSegment(sealed);
  const summary = parsed?.summary as SegmentRecord;
  const record = encodeSegmentRecord(edit({ ...summary }));
  const trailerAt = sealed.length - (16 + record.length + 2 + 2 + 8);
  for (const at of both ? [0, trailerAt] : [0]) {
    record.copy(out, at + 16);
    out.writeUInt16LE(crc32(out.subarray(at, at + 16 + record.length)) & 0xffff, at + 16 + record.length);
  }
  return out;
}

describe('edited summaries', () => {
  const hide = (s: SegmentRecord): SegmentRecord => ({
    ...s,
    tMin: s.tMax + 1_000_000,
    tMax: s.tMax + 2_000_000,
    first: 0,
    end: 0,
  });
  const from = eventAt(1000).t;
  const inRange = ALL.filter((e) => e.t >= from);

  it.each([
    ['header edited, CRCs left as they were (damage)', false, false],
    ['header edited with valid CRCs (the trailer copy disagrees)', true, false],
  ])('%s: verify reports it, ranged reads return every event', async (_name, fixCrc, _both) => {
    let bytes: Buffer;
    if (fixCrc) bytes = editSummary(fx.sealed, hide, false);
    else {
      bytes = Buffer.from(fx.sealed);
      bytes.writeDoubleLE(bytes.readDoubleLE(16 + 22) + 5_000_000, 16 + 22); // tMin, CRC not fixed
    }
    writeFileSync(fx.path, bytes);
    try {
      const report = await verifyJournal({ dir: fx.dir });
      expect(report.ok).toBe(false);
      expect(report.corruptions.map((c) => c.reason)).toContain('summary');
      expect(report.events).toBe(EVENTS);
      expect(await readAll({ dir: fx.dir, from })).toEqual(inRange);
      const positioned: HeatEvent[] = [];
      for await (const f of readJournalFrames({ dir: fx.dir, fromPosition: 1000 }))
        positioned.push(...f.events);
      expect(positioned).toEqual(ALL.slice(1000));
    } finally {
      writeFileSync(fx.path, fx.sealed);
    }
  });

  it('both copies edited with valid CRCs: verify compares them with the content and reports it', async () => {
    writeFileSync(
      fx.path,
      editSummary(fx.sealed, (s) => ({ ...s, events: s.events - 1 }), true),
    );
    try {
      const report = await verifyJournal({ dir: fx.dir });
      expect(report.ok).toBe(false);
      expect(report.corruptions).toEqual([
        expect.objectContaining({
          reason: 'summary',
          message: expect.stringMatching(/n=2999.*holds n=3000/),
        }),
      ]);
      expect(await readAll({ dir: fx.dir })).toEqual(ALL);
    } finally {
      writeFileSync(fx.path, fx.sealed);
    }
  });

  it('prunes by a checked summary only: a disagreeing one falls back to the file time', async () => {
    const old = editSummary(fx.sealed, (s) => ({ ...s, writtenMax: 1 }), false);
    writeFileSync(fx.path, old);
    try {
      // The header claims the segment was written in 1970; the trailer disagrees, so it is not believed.
      expect(
        (await pruneJournal({ dir: fx.dir, olderThan: Date.parse('2000-01-01'), dryRun: true })).removed,
      ).toEqual([]);
    } finally {
      writeFileSync(fx.path, fx.sealed);
    }
  });
});
