/**
 * Sealed segments of earlier versions: one gzip member per segment, the summary
 * `mtj1;n=..;t=a..b;w=..` / `mtj2;...;p=first..end` in the gzip file-name field, unchecked.
 *
 * `fixtures/legacy-journal/` was written by the previous release's sealer (commit 4a990f8): a
 * format 1 segment of one event (`mtj1`), then 3,000 events `eventsFrom(0, 3000)` at positions
 * 1..3000 in four `mtj2` segments (900, 900, 900, 300 events).
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HeatEvent } from '@monkeytracker/grid';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBlockSegment } from '../src/block-segment-reader';
import {
  JournalCorruptionError,
  openJournal,
  pruneJournal,
  readJournalFrames,
  verifyJournal,
} from '../src/index';
import { PACKAGE_DIR } from './build-dist';
import { eventAt, eventsFrom, readAll, tempDir } from './helpers';

const FIXTURE = join(PACKAGE_DIR, 'test', 'fixtures', 'legacy-journal');
// Events of format 1 and 2 frames come back without an element: `sel: ''`, the four numbers 0.
const OLD_EVENT = {
  kind: 'click',
  url: '/old',
  x: 7,
  y: 9,
  vw: 100,
  vh: 90,
  t: 5,
  site: 'default',
  sel: '',
  ox: 0,
  oy: 0,
  ew: 0,
  eh: 0,
};
const ALL = [OLD_EVENT, ...eventsFrom(0, 3000)];

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function legacyJournal(): { dir: string; files: string[] } {
  const t = tempDir();
  cleanups.push(t.cleanup);
  cpSync(FIXTURE, t.dir, { recursive: true });
  return { dir: t.dir, files: readdirSync(t.dir).sort() };
}

/** Replaces `from` by `to` (same length) in the gzip file-name field of `file`: an edited, unchecked summary. */
function editName(dir: string, file: string, from: string, to: string): void {
  expect(to.length).toBe(from.length);
  const bytes = readFileSync(join(dir, file));
  const at = bytes.indexOf(from, 10, 'latin1');
  expect(at).toBeGreaterThan(0);
  bytes.write(to, at, 'latin1');
  writeFileSync(join(dir, file), bytes);
}

async function fromPosition(dir: string, position: number): Promise<HeatEvent[]> {
  const out: HeatEvent[] = [];
  for await (const f of readJournalFrames({ dir, fromPosition: position })) out.push(...f.events);
  return out;
}

describe('legacy sealed segments', () => {
  it('are read, verified and range-read as before', async () => {
    const { dir } = legacyJournal();
    expect(await readAll({ dir, strict: true })).toEqual(ALL);
    expect(await verifyJournal({ dir })).toMatchObject({ ok: true, events: 3001, corruptFrames: 0 });
    const from = eventAt(1000).t;
    expect(await readAll({ dir, from })).toEqual(ALL.filter((e) => e.t >= from));
    expect(await fromPosition(dir, 1500)).toEqual(ALL.slice(1500));
  });

  it('an edited file-name summary is reported by verify and never makes a range read skip events', async () => {
    const { dir, files } = legacyJournal();
    // Segment 3 holds positions 901..1801 and t up to 1718000005393; claim it holds nothing in range.
    editName(dir, files[2] as string, 'p=901..1801', 'p=101..1001');
    editName(dir, files[2] as string, 't=1718000002700..1718000005393', 't=1018000002700..1018000005393');
    const report = await verifyJournal({ dir });
    expect(report.ok).toBe(false);
    expect(report.corruptions).toEqual([
      expect.objectContaining({ file: files[2], reason: 'summary', bytes: 0 }),
    ]);
    const from = eventAt(1000).t;
    expect(await readAll({ dir, from })).toEqual(ALL.filter((e) => e.t >= from));
    expect(await fromPosition(dir, 1500)).toEqual(ALL.slice(1500));
  });

  it('keeps what inflates of a damaged one, and names it (reason gzip)', async () => {
    const { dir, files } = legacyJournal();
    const file = files[2] as string;
    const bytes = readFileSync(join(dir, file));
    writeFileSync(join(dir, file), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const events = await readAll({ dir });
    expect(events.length).toBeGreaterThan(901);
    expect(events.length).toBeLessThan(3001);
    expect(events.slice(0, 901)).toEqual(ALL.slice(0, 901));
    const report = await verifyJournal({ dir });
    expect(report.ok).toBe(false);
    expect(report.corruptions.map((c) => [c.file, c.reason])).toContainEqual([file, 'gzip']);
    await expect(readAll({ dir, strict: true })).rejects.toThrow(JournalCorruptionError);
  });

  it('a damaged gzip trailer (the data intact) loses nothing, and is reported', async () => {
    const { dir, files } = legacyJournal();
    const file = files[2] as string;
    const bytes = readFileSync(join(dir, file));
    bytes[bytes.length - 6] = (bytes[bytes.length - 6] as number) ^ 0xff; // CRC-32 of the trailer
    writeFileSync(join(dir, file), bytes);
    expect(await readAll({ dir })).toEqual(ALL);
    const report = await verifyJournal({ dir });
    expect(report).toMatchObject({ ok: false, events: 3001 });
    expect(report.corruptions).toEqual([expect.objectContaining({ file, reason: 'gzip', bytes: 0 })]);
  });

  it('a writer carries on after them: positions continue, new segments are block segments', async () => {
    const { dir, files } = legacyJournal();
    const journal = await openJournal({ dir, fsyncMs: 20 });
    expect(journal.position).toBe(3001);
    journal.append(eventsFrom(3000, 100));
    await journal.close();
    const added = readdirSync(dir).filter((f) => f.endsWith('.mtj.gz') && !files.includes(f));
    expect(added).toHaveLength(1);
    expect(parseBlockSegment(readFileSync(join(dir, added[0] as string)))).not.toBeNull();
    expect(await readAll({ dir, strict: true })).toEqual([...ALL, ...eventsFrom(3000, 100)]);
    expect(await verifyJournal({ dir })).toMatchObject({ ok: true, events: 3101 });
  });

  it('recovery does not take positions from an edited newest summary: they are never reused', async () => {
    const { dir, files } = legacyJournal();
    editName(dir, files[4] as string, 'p=2701..3001', 'p=2701..2801');
    const journal = await openJournal({ dir, fsyncMs: 20 });
    expect(journal.position).toBe(3001);
    await journal.close();
  });

  it('prunes by the file-name write time only when the gzip MTIME written beside it agrees', async () => {
    const { dir, files } = legacyJournal();
    // Segment 2 claims it was written in 2002 (w=1018013608000); its gzip MTIME says June 2024.
    editName(dir, files[1] as string, 'w=1718013608000', 'w=1018013608000');
    const cutoff = Date.parse('2025-01-01');
    const removed = (await pruneJournal({ dir, olderThan: cutoff, dryRun: true })).removed.map((p) =>
      p.slice(dir.length + 1),
    );
    // Segments 3..5 were written in June 2024 (w and MTIME agree); segment 2's edited time is not
    // believed (it falls back to the file's mtime, today); segment 1's w is the fixture's mtime.
    expect(removed).toEqual([files[2], files[3], files[4]]);
  });
});
