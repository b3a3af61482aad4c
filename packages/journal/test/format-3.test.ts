/**
 * Batch format 3 in journal directories: events with elements through raw and sealed segments,
 * format 2 segments replaying beside format 3 frames, and format 3 frames that do not decode.
 *
 * `fixtures/format-2/` was written by the format 2 writer (the code before format 3), `clock` at
 * 2025-03-01T12:00:00Z: `eventsFrom(0, 500)` as three frames, positions 0..200, 200..400 (a cut
 * after it) and 400..500, in one sealed block segment.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { emptyEvent, type HeatEvent } from '@monkeytracker/grid';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeBatch } from '../src/batch-codec';
import { EventStage } from '../src/event-stage';
import { encodeFrame, scanFrames } from '../src/frame-codec';
import {
  type CorruptionEntry,
  JournalCorruptionError,
  type JournalFrame,
  openJournal,
  readJournalFrames,
  verifyJournal,
} from '../src/index';
import { PACKAGE_DIR } from './build-dist';
import { encodeFormat2 } from './format-2-encoder';
import { ELEMENT_SELECTORS, elementEventsFrom, eventsFrom, readAll, testDir } from './helpers';

const FIXTURE = join(PACKAGE_DIR, 'test', 'fixtures', 'format-2');
const packr = new Packr({ useRecords: false });

async function frames(d: string, fromPosition = 0): Promise<JournalFrame[]> {
  const out: JournalFrame[] = [];
  for await (const f of readJournalFrames({ dir: d, fromPosition, strict: true })) out.push(f);
  return out;
}

/** `[start, end, cut]` of each frame. */
function spans(fs: JournalFrame[]): [number, number, boolean][] {
  return fs.map((f) => [f.start, f.end, f.cut]);
}

/** The format versions of the frames of a segment file (raw or sealed). */
function versions(path: string): number[] {
  const bytes = readFileSync(path);
  const raw = path.endsWith('.gz') ? gunzipSync(bytes) : bytes;
  return scanFrames(raw).frames.map((f) => decodeEnvelope(f.payload).v);
}

/** One format 3 payload of `events` at position `first`. */
function payload(events: HeatEvent[], first: number): Uint8Array {
  const stage = new EventStage();
  stage.add(events, 0, events.length);
  stage.first = first;
  return Uint8Array.from(encodeBatch(stage));
}

describe('journal format 3', () => {
  it('a format 2 segment replays with empty element fields, its positions and cuts', async () => {
    const d = testDir();
    cpSync(FIXTURE, d, { recursive: true });
    const file = readdirSync(d)[0] as string;
    expect(versions(join(d, file))).toEqual([2, 2, 2]);
    const fs = await frames(d);
    expect(spans(fs)).toEqual([
      [0, 200, false],
      [200, 400, true],
      [400, 500, false],
    ]);
    const events = fs.flatMap((f) => f.events);
    expect(events).toEqual(eventsFrom(0, 500));
    for (const e of events) {
      expect(Object.keys(e)).toEqual(Object.keys(emptyEvent()));
      expect([e.sel, e.ox, e.oy, e.ew, e.eh]).toEqual(['', 0, 0, 0, 0]);
    }
    expect(await verifyJournal({ dir: d })).toMatchObject({ ok: true, events: 500, corruptFrames: 0 });
  });

  it('a mixed directory (format 2 segment, then format 3 frames after reopening) reads back in order', async () => {
    const d = testDir();
    cpSync(FIXTURE, d, { recursive: true });
    const old = readdirSync(d);
    const journal = await openJournal({ dir: d, fsyncMs: 20 });
    expect(journal.position).toBe(500);
    journal.append(elementEventsFrom(500, 300));
    journal.cut();
    await journal.flush();
    journal.append(elementEventsFrom(800, 200));
    await journal.close();
    const added = readdirSync(d).filter((f) => f.endsWith('.mtj.gz') && !old.includes(f));
    expect(added).toHaveLength(1);
    expect(versions(join(d, added[0] as string))).toEqual([3, 3]);

    const all = [...eventsFrom(0, 500), ...elementEventsFrom(500, 500)];
    const fs = await frames(d);
    expect(spans(fs)).toEqual([
      [0, 200, false],
      [200, 400, true],
      [400, 500, false],
      [500, 800, true],
      [800, 1000, false],
    ]);
    expect(fs.flatMap((f) => f.events)).toEqual(all);
    expect((await frames(d, 450)).flatMap((f) => f.events)).toEqual(all.slice(450));
    const from = (all[700] as HeatEvent).t;
    expect(await readAll({ dir: d, from })).toEqual(all.filter((e) => e.t >= from));
    expect(await verifyJournal({ dir: d })).toMatchObject({ ok: true, events: 1000, corruptFrames: 0 });
    const reopened = await openJournal({ dir: d, fsyncMs: 20 });
    expect(reopened.position).toBe(1000);
    await reopened.close();
  });

  it('a raw format 2 segment left by a crashed older writer is recovered, sealed and continued', async () => {
    const d = testDir();
    const raw = Buffer.concat([
      encodeFrame(encodeFormat2(eventsFrom(0, 150), 0)),
      encodeFrame(encodeFormat2(eventsFrom(150, 150), 150, true)),
    ]);
    writeFileSync(join(d, '20250301T120000000Z-0000000001.mtj'), raw);
    const journal = await openJournal({ dir: d, fsyncMs: 20 });
    expect(journal.position).toBe(300);
    journal.append(elementEventsFrom(300, 100));
    await journal.close();
    const segments = readdirSync(d)
      .filter((f) => f.endsWith('.mtj.gz'))
      .sort();
    expect(segments.map((f) => versions(join(d, f)))).toEqual([[2, 2], [3]]);
    expect(spans(await frames(d))).toEqual([
      [0, 150, false],
      [150, 300, true],
      [300, 400, false],
    ]);
    expect(await readAll({ dir: d, strict: true })).toEqual([
      ...eventsFrom(0, 300),
      ...elementEventsFrom(300, 100),
    ]);
    expect(await verifyJournal({ dir: d })).toMatchObject({ ok: true, events: 400 });
  });

  it('events with elements round-trip through sealed block segments, range reads and verify', async () => {
    const d = testDir();
    const all = elementEventsFrom(0, 6000);
    expect(new Set(all.map((e) => e.sel)).size).toBe(ELEMENT_SELECTORS + 1);
    const journal = await openJournal({ dir: d, fsyncMs: 20, blockBytes: 8 * 1024 });
    for (let f = 0; f < 12; f++) {
      journal.append(all.slice(f * 500, (f + 1) * 500));
      await journal.flush();
    }
    await journal.close();
    expect(readdirSync(d).filter((f) => f.endsWith('.mtj'))).toEqual([]);
    expect(await readAll({ dir: d, strict: true })).toEqual(all);
    const from = (all[2500] as HeatEvent).t;
    const to = (all[4000] as HeatEvent).t;
    expect(await readAll({ dir: d, from, to })).toEqual(all.filter((e) => e.t >= from && e.t < to));
    expect((await frames(d, 3210)).flatMap((f) => f.events)).toEqual(all.slice(3210));
    const report = await verifyJournal({ dir: d });
    expect(report).toMatchObject({ ok: true, events: 6000, corruptFrames: 0 });
  });

  it('events with elements round-trip through raw segments', async () => {
    const d = testDir();
    const journal = await openJournal({ dir: d, fsyncMs: 20, compress: false, segmentBytes: 4096 });
    for (let f = 0; f < 6; f++) {
      journal.append(elementEventsFrom(f * 100, 100));
      await journal.flush();
    }
    await journal.close();
    expect(readdirSync(d).filter((f) => f.endsWith('.mtj')).length).toBeGreaterThan(1);
    expect(await readAll({ dir: d, strict: true })).toEqual(elementEventsFrom(0, 600));
  });

  it('a format 3 frame that passes its checksum but does not decode is skipped and reported', async () => {
    const d = testDir();
    const bad = decodeEnvelope(payload(elementEventsFrom(100, 100), 100));
    // Selector ids past the dictionary: only its first entry is kept.
    const badPayload = packr.pack({ ...bad, sels: (bad.sels as string[]).slice(0, 1) });
    const parts = [
      encodeFrame(payload(elementEventsFrom(0, 100), 0)),
      encodeFrame(badPayload),
      encodeFrame(payload(elementEventsFrom(200, 100), 200)),
    ];
    const file = '20250301T120000000Z-0000000001.mtj';
    writeFileSync(join(d, file), Buffer.concat(parts));
    const seen: CorruptionEntry[] = [];
    const events = await readAll({ dir: d, onCorruption: (c) => seen.push(c) });
    expect(events).toEqual([...elementEventsFrom(0, 100), ...elementEventsFrom(200, 100)]);
    const offset = (parts[0] as Uint8Array).length;
    expect(seen).toEqual([
      expect.objectContaining({
        file,
        offset,
        bytes: (parts[1] as Uint8Array).length,
        reason: 'undecodable',
      }),
    ]);
    expect(seen[0]?.message).toMatch(/unknown selector/);
    const report = await verifyJournal({ dir: d });
    expect(report.ok).toBe(false);
    expect(report.corruptions).toEqual([expect.objectContaining({ file, offset, reason: 'undecodable' })]);
    await expect(readAll({ dir: d, strict: true })).rejects.toThrow(JournalCorruptionError);
  });
});
