import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame } from '../src/frame-codec';
import { openJournal, readJournalFrames } from '../src/index';
import { eventsFrom, readAll, tempDir } from './helpers';

const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});
function dir(): string {
  const t = tempDir();
  dirs.push(t);
  return t.dir;
}

async function frames(d: string, fromPosition?: number) {
  const out: { start: number; end: number; cut: boolean; n: number }[] = [];
  for await (const f of readJournalFrames({ dir: d, fromPosition })) {
    out.push({ start: f.start, end: f.end, cut: f.cut, n: f.events.length });
  }
  return out;
}

describe('journal positions and cuts', () => {
  it('numbers events from 0, records cuts where they were made, and reads them back', async () => {
    const d = dir();
    const journal = await openJournal({ dir: d, fsyncMs: 20 });
    expect(journal.position).toBe(0);
    journal.append(eventsFrom(0, 10));
    expect(journal.cut()).toBe(10);
    expect(journal.cut()).toBe(10); // no new events: the same cut, not a second marker
    journal.append(eventsFrom(10, 5));
    journal.append(eventsFrom(15, 5));
    expect(journal.position).toBe(20);
    await journal.flush();
    expect(journal.cut()).toBe(20); // a cut after a flush: a frame with no events
    await journal.close();
    expect(await frames(d)).toEqual([
      { start: 0, end: 10, cut: true, n: 10 },
      { start: 10, end: 20, cut: false, n: 10 },
      { start: 20, end: 20, cut: true, n: 0 },
    ]);
    // From a position inside a frame: that frame's later events only; cuts before it left out.
    expect(await frames(d, 13)).toEqual([
      { start: 10, end: 20, cut: false, n: 7 },
      { start: 20, end: 20, cut: true, n: 0 },
    ]);
    const tail: number[] = [];
    for await (const f of readJournalFrames({ dir: d, fromPosition: 13 }))
      for (const e of f.events) tail.push(e.x);
    expect(tail).toEqual(eventsFrom(13, 7).map((e) => e.x));
  });

  it('continues positions across reopen, rotation and a crash, never reusing one', async () => {
    const d = dir();
    const first = await openJournal({ dir: d, fsyncMs: 20, segmentBytes: 2048 });
    first.append(eventsFrom(0, 300)); // several segments
    await first.close();
    const second = await openJournal({ dir: d, fsyncMs: 20, onError: () => {} });
    expect(second.position).toBe(300);
    second.append(eventsFrom(300, 50));
    await second.flush();
    // Simulate a crash: the lock is released without sealing (the open segment stays raw).
    await (second as unknown as { lock: { release(): Promise<void> } }).lock.release();
    const third = await openJournal({ dir: d, fsyncMs: 20 });
    expect(third.position).toBe(350);
    third.append(eventsFrom(350, 1));
    await third.close();
    const all = await frames(d);
    let expected = 0;
    for (const f of all) {
      expect(f.start).toBe(expected);
      expected = f.end;
    }
    expect(expected).toBe(351);
    await (second as unknown as { close(): Promise<void> }).close().catch(() => {});
  });

  it('keeps one writer id per directory and a durable checkpoint', async () => {
    const d = dir();
    const a = await openJournal({ dir: d });
    expect(a.writerId).toMatch(/^w[0-9a-f]{16}$/);
    expect(a.writerCreated).toBe(true);
    expect(a.checkpoint).toBeUndefined();
    await a.saveCheckpoint(1234);
    await a.close();
    const b = await openJournal({ dir: d });
    expect(b.writerId).toBe(a.writerId);
    expect(b.writerCreated).toBe(false);
    expect(b.checkpoint).toBe(1234);
    await b.close();
    writeFileSync(join(d, 'CHECKPOINT'), '{ garbled');
    const c = await openJournal({ dir: d });
    expect(c.checkpoint).toBeUndefined();
    await c.close();
    expect(readFileSync(join(d, 'WRITER'), 'utf8').trim()).toBe(a.writerId);
  });

  it('still reads format 1 frames, numbering their events after the previous ones', async () => {
    const d = dir();
    // A format-1 frame as the first code wrote it: no position, no cut flag.
    const packr = new Packr({ useRecords: false });
    const cols = Uint8Array.of(0, 5, 0, 7, 9, 100, 90); // kind, t, url id, x, y, vw, vh
    const payload = packr.pack({
      v: 1,
      n: 1,
      lo: 5,
      hi: 5,
      urls: ['/old'],
      sites: ['default'],
      offs: [1, 2, 3, 3, 4, 5, 6],
      cols,
    });
    writeFileSync(join(d, '20240101T000000000Z-0000000001.mtj'), encodeFrame(payload));
    const journal = await openJournal({ dir: d, fsyncMs: 20 });
    expect(journal.position).toBe(1);
    journal.append(eventsFrom(0, 2));
    await journal.close();
    expect(await frames(d)).toEqual([
      { start: 0, end: 1, cut: false, n: 1 },
      { start: 1, end: 3, cut: false, n: 2 },
    ]);
    expect((await readAll({ dir: d }))[0]).toMatchObject({ url: '/old', x: 7, y: 9, vw: 100, vh: 90, t: 5 });
  });
});
