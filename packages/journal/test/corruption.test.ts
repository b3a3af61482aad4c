import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scanFrames } from '../src/frame-codec';
import { type CorruptionEntry, JournalCorruptionError, openJournal, verifyJournal } from '../src/index';
import { eventsFrom, readAll, tempDir } from './helpers';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

/** A journal of one raw segment with five frames of 100 events each. */
async function fiveFrames(): Promise<{ dir: string; path: string; file: string; offsets: number[] }> {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const journal = await openJournal({ dir: t.dir, fsyncMs: 20, compress: false });
  for (let f = 0; f < 5; f++) {
    journal.append(eventsFrom(f * 100, 100));
    await journal.flush();
  }
  await journal.close();
  const file = readdirSync(t.dir).find((f) => f.endsWith('.mtj')) as string;
  const path = join(t.dir, file);
  const offsets = scanFrames(readFileSync(path)).frames.map((f) => f.offset);
  return { dir: t.dir, path, file, offsets };
}

describe('corruption in the middle of a segment', () => {
  it('skips a frame with a flipped payload bit, reads the next ones, and names it', async () => {
    const { dir, path, file, offsets } = await fiveFrames();
    const bytes = readFileSync(path);
    const at = (offsets[2] as number) + 40;
    bytes[at] = (bytes[at] as number) ^ 0x04;
    writeFileSync(path, bytes);

    const seen: CorruptionEntry[] = [];
    const events = await readAll({ dir, onCorruption: (c) => seen.push(c) });
    expect(events).toEqual([...eventsFrom(0, 200), ...eventsFrom(300, 200)]);
    const frameBytes = (offsets[3] as number) - (offsets[2] as number);
    expect(seen).toEqual([
      expect.objectContaining({ file, offset: offsets[2], bytes: frameBytes, reason: 'checksum' }),
    ]);

    const report = await verifyJournal({ dir });
    expect(report).toMatchObject({
      ok: false,
      frames: 4,
      events: 400,
      corruptFrames: 1,
      skippedBytes: frameBytes,
    });
    expect(report.corruptions[0]).toMatchObject({ file, offset: offsets[2], bytes: frameBytes });
    expect(report.segments[0]).toMatchObject({ file, frames: 4, corruptFrames: 1 });

    await expect(readAll({ dir, strict: true })).rejects.toThrow(JournalCorruptionError);
    await expect(readAll({ dir, strict: true })).rejects.toThrow(/\[monkeytracker\] \[journal\]/);
  });

  it('resyncs after a flipped bit in a frame header (magic or length)', async () => {
    for (const delta of [1, 5]) {
      const { dir, path, offsets } = await fiveFrames();
      const bytes = readFileSync(path);
      const at = (offsets[1] as number) + delta;
      bytes[at] = (bytes[at] as number) ^ 0x80;
      writeFileSync(path, bytes);
      expect(await readAll({ dir })).toEqual([...eventsFrom(0, 100), ...eventsFrom(200, 300)]);
      expect((await verifyJournal({ dir })).corruptFrames).toBe(1);
    }
  });

  it('keeps corrupt frames of a recovered segment skipped after sealing', async () => {
    const { dir, path, offsets } = await fiveFrames();
    const bytes = readFileSync(path);
    const at = (offsets[3] as number) + 30;
    bytes[at] = (bytes[at] as number) ^ 0x01;
    writeFileSync(path, bytes);
    const journal = await openJournal({ dir, fsyncMs: 20 });
    expect(journal.recovery.segments[0]).toMatchObject({ tornBytes: 0, frames: 4 });
    expect(journal.recovery.segments[0]?.corruptBytes).toBeGreaterThan(0);
    await journal.close();
    expect(await readAll({ dir })).toEqual([...eventsFrom(0, 300), ...eventsFrom(400, 100)]);
    expect((await verifyJournal({ dir })).corruptFrames).toBe(1);
  });

  // The same for a legacy (single gzip member) segment, reason 'gzip': legacy-segments.test.ts.
  it('reports a damaged sealed segment without throwing, keeping the blocks before the damage', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const journal = await openJournal({
      dir: t.dir,
      fsyncMs: 20,
      compressionLevel: 1,
      blockBytes: 16 * 1024,
    });
    for (let f = 0; f < 20; f++) {
      journal.append(eventsFrom(f * 500, 500));
      await journal.flush();
    }
    await journal.close();
    const file = readdirSync(t.dir).find((f) => f.endsWith('.gz')) as string;
    const path = join(t.dir, file);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const events = await readAll({ dir: t.dir });
    expect(events.length).toBeGreaterThan(0);
    expect(events).toEqual(eventsFrom(0, events.length));
    const report = await verifyJournal({ dir: t.dir });
    expect(report.ok).toBe(false);
    expect(report.corruptions.map((c) => c.reason)).toContain('block');
    expect(report.eventsLost).toBe(10_000 - events.length);
    await expect(readAll({ dir: t.dir, strict: true })).rejects.toThrow(JournalCorruptionError);
  });
});
