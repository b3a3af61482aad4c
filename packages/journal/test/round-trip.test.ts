import { readdirSync } from 'node:fs';
import { emptyEvent } from '@monkeytracker/grid';
import { describe, expect, it } from 'vitest';
import {
  JournalClosedError,
  type JournalError,
  JournalOptionError,
  openJournal,
  readJournal,
  verifyJournal,
} from '../src/index';
import { eventAt, eventsFrom, readAll, testDir, waitFor } from './helpers';

describe('round trip', () => {
  it('reads back every appended event, in order, after close', async () => {
    const d = testDir();
    const journal = await openJournal({ dir: d, fsyncMs: 20 });
    let n = 0;
    for (let b = 0; b < 50; b++) {
      expect(journal.append(eventsFrom(n, 100))).toBe(100);
      n += 100;
    }
    await journal.close();
    expect(await readAll({ dir: d })).toEqual(eventsFrom(0, n));
    const files = readdirSync(d);
    expect(files.filter((f) => f.endsWith('.mtj.gz'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.mtj'))).toHaveLength(0);
    expect(files).not.toContain('LOCK');
  });

  it('rotates by size and keeps order across segments', async () => {
    const d = testDir();
    const journal = await openJournal({ dir: d, fsyncMs: 20, segmentBytes: 4096 });
    let n = 0;
    for (let b = 0; b < 40; b++) {
      journal.append(eventsFrom(n, 100));
      n += 100;
      await journal.flush(); // one frame per batch, so the size limit is met often
    }
    await journal.close();
    const sealed = readdirSync(d).filter((f) => f.endsWith('.mtj.gz'));
    expect(sealed.length).toBeGreaterThan(5);
    expect([...sealed].sort()).toEqual(sealed.sort());
    expect(await readAll({ dir: d })).toEqual(eventsFrom(0, n));
    const report = await verifyJournal({ dir: d });
    expect(report).toMatchObject({ ok: true, events: n, corruptFrames: 0 });
    expect(report.segments.length).toBe(sealed.length);
  });

  it('rotates by age with an injected clock', async () => {
    const d = testDir();
    let now = Date.parse('2024-06-10T10:00:00Z');
    const journal = await openJournal({ dir: d, fsyncMs: 20, segmentMs: 60_000, clock: () => now });
    let n = 0;
    for (let minute = 0; minute < 4; minute++) {
      for (let k = 0; k < 3; k++) {
        journal.append(eventsFrom(n, 50));
        n += 50;
        await journal.flush();
        now += 15_000;
      }
      now += 20_000; // 65 s per round: one segment each
    }
    await journal.close();
    const sealed = readdirSync(d)
      .filter((f) => f.endsWith('.mtj.gz'))
      .sort();
    expect(sealed.length).toBe(4);
    expect(sealed[0]).toMatch(/^20240610T100000000Z-\d{10}\.mtj\.gz$/);
    expect(await readAll({ dir: d })).toEqual(eventsFrom(0, n));
  });

  it('seals an idle segment once it is older than segmentMs', async () => {
    const d = testDir();
    let now = 1_000_000;
    const journal = await openJournal({ dir: d, fsyncMs: 10, segmentMs: 1000, clock: () => now });
    journal.append(eventsFrom(0, 10));
    await journal.flush();
    now += 2000;
    await journal.flush(); // nothing to write, but the cycle seals the old segment
    await waitFor(() => journal.stats().sealed === 1);
    await journal.close();
    expect(await readAll({ dir: d })).toEqual(eventsFrom(0, 10));
  });

  it('reads the live segment of an open journal up to its last frame', async () => {
    const d = testDir();
    const journal = await openJournal({ dir: d, fsyncMs: 20 });
    journal.append(eventsFrom(0, 300));
    await journal.flush();
    expect(await readAll({ dir: d })).toEqual(eventsFrom(0, 300));
    journal.append(eventsFrom(300, 5));
    await journal.close();
    expect(await readAll({ dir: d })).toEqual(eventsFrom(0, 305));
  });

  it('filters by event time with from (inclusive) and to (exclusive)', async () => {
    const d = testDir();
    const journal = await openJournal({ dir: d, fsyncMs: 20, segmentBytes: 2048 });
    for (let b = 0; b < 20; b++) {
      journal.append(eventsFrom(b * 100, 100));
      await journal.flush();
    }
    await journal.close();
    const all = eventsFrom(0, 2000);
    const from = eventAt(500).t;
    const to = eventAt(1500).t;
    const expected = all.filter((e) => e.t >= from && e.t < to);
    expect(await readAll({ dir: d, from, to })).toEqual(expected);
    expect(await readAll({ dir: d, from: new Date(from), to: new Date(to) })).toEqual(expected);
    expect(await readAll({ dir: d, from: eventAt(5000).t })).toEqual([]);
  });

  it('keeps events intact when the caller mutates its array after append', async () => {
    const d = testDir();
    const journal = await openJournal({ dir: d, fsyncMs: 20 });
    const batch = eventsFrom(0, 10);
    journal.append(batch);
    for (const e of batch) e.x = 999_999;
    await journal.close();
    expect(await readAll({ dir: d })).toEqual(eventsFrom(0, 10));
  });

  it('drops and reports invalid events, counts them, and writes the rest', async () => {
    const d = testDir();
    const errors: JournalError[] = [];
    const journal = await openJournal({ dir: d, fsyncMs: 20, onError: (e) => errors.push(e) });
    const batch = [
      eventAt(0),
      { ...eventAt(1), x: -1 },
      { ...eventAt(2), kind: 'toString' },
      null,
      eventAt(3),
    ];
    // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid input
    expect(journal.append(batch as any)).toBe(5);
    expect(journal.stats()).toMatchObject({ events: 2, invalid: 3 });
    expect(errors[0]?.code).toBe('JOURNAL_INVALID_EVENT');
    await journal.close();
    expect(await readAll({ dir: d })).toEqual([eventAt(0), eventAt(3)]);
  });

  it('round-trips extreme values: large t, many sites, unicode urls', async () => {
    const d = testDir();
    const journal = await openJournal({ dir: d, fsyncMs: 20 });
    const events = [
      { ...emptyEvent(), kind: 'click' as const, url: '/ü/€/😀', x: 0, y: 0, vw: 0, vh: 0, t: 0, site: 's1' },
      {
        ...emptyEvent(),
        kind: 'move' as const,
        url: '/',
        x: 4_294_967_295,
        y: 1_000_000,
        vw: 20_000,
        vh: 20_000,
        t: 253_402_300_799_999,
        site: 's2',
      },
      { ...emptyEvent(), kind: 'scroll' as const, url: '/a', x: 0, y: 5, vw: 1, vh: 1, t: 1, site: 's3' },
      {
        ...emptyEvent(),
        kind: 'rage' as const,
        url: '/b',
        x: 3,
        y: 4,
        vw: 5,
        vh: 6,
        t: 2,
        site: 's1',
        sel: `#${'z'.repeat(255)}`,
        ox: 1000,
        oy: 1000,
        ew: 4_294_967_295,
        eh: 4_294_967_295,
      },
      { ...emptyEvent(), kind: 'dead' as const, url: '/b', x: 3, y: 4, vw: 5, vh: 6, t: 3, site: 's1' },
    ];
    journal.append(events);
    await journal.close();
    expect(await readAll({ dir: d })).toEqual(events);
  });

  it('counts stats and is idempotent on close; use after close is a clear error', async () => {
    const d = testDir();
    const journal = await openJournal({ dir: d, fsyncMs: 20 });
    journal.append(eventsFrom(0, 100));
    await journal.flush();
    const s = journal.stats();
    expect(s).toMatchObject({
      events: 100,
      eventsWritten: 100,
      eventsDurable: 100,
      pendingBytes: 0,
      segments: 1,
    });
    expect(s.fsyncs).toBeGreaterThan(0);
    expect(s.lastFsyncAt).toBeGreaterThan(0);
    expect(s.bytes).toBeGreaterThan(0);
    await Promise.all([journal.close(), journal.close()]);
    await journal.close();
    expect(journal.stats().sealed).toBe(1);
    expect(() => journal.append(eventsFrom(0, 1))).toThrow(JournalClosedError);
    await expect(journal.flush()).rejects.toThrow(JournalClosedError);
  });

  it('leaves raw segments when compress is false, and reads them', async () => {
    const d = testDir();
    const journal = await openJournal({ dir: d, fsyncMs: 20, compress: false, segmentBytes: 1024 });
    for (let b = 0; b < 5; b++) {
      journal.append(eventsFrom(b * 50, 50));
      await journal.flush();
    }
    await journal.close();
    expect(readdirSync(d).some((f) => f.endsWith('.gz'))).toBe(false);
    expect(await readAll({ dir: d })).toEqual(eventsFrom(0, 250));
  });

  it('rejects bad options with a clear error', async () => {
    await expect(openJournal({ dir: '' })).rejects.toThrow(JournalOptionError);
    await expect(openJournal({ dir: testDir(), fsyncMs: -1 })).rejects.toThrow(/fsyncMs/);
    await expect(readAll({ dir: testDir(), from: Number.NaN })).rejects.toThrow(JournalOptionError);
  });

  it('reads an empty or missing directory as no events', async () => {
    expect(await readAll({ dir: testDir() })).toEqual([]);
    const batches = [];
    for await (const b of readJournal({ dir: `${testDir()}/missing` })) batches.push(b);
    expect(batches).toEqual([]);
  });
});
