import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openJournal, pruneJournal } from '../src/index';
import { eventsFrom, readAll, tempDir, waitFor } from './helpers';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

describe('pruneJournal', () => {
  it('deletes sealed segments written before olderThan, never the open segment', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const day = 86_400_000;
    let now = Date.parse('2024-01-01T00:00:00Z');
    const journal = await openJournal({ dir: t.dir, fsyncMs: 10, segmentMs: day, clock: () => now });
    for (let d = 0; d < 5; d++) {
      journal.append(eventsFrom(d * 10, 10));
      await journal.flush();
      now += day;
    }
    journal.append(eventsFrom(50, 10));
    await journal.flush(); // day 5 is the open segment
    await waitFor(() => journal.stats().sealed === 5); // let the seals finish
    const cutoff = Date.parse('2024-01-03T12:00:00Z');
    const dry = await pruneJournal({ dir: t.dir, olderThan: cutoff, dryRun: true });
    expect(dry.removed).toHaveLength(3);
    expect(readdirSync(t.dir).filter((f) => f.startsWith('2024'))).toHaveLength(6);
    const result = await pruneJournal({ dir: t.dir, olderThan: new Date(cutoff) });
    expect(result.removed.map((p) => p.slice(t.dir.length + 1))).toEqual(
      dry.removed.map((p) => p.slice(t.dir.length + 1)),
    );
    expect(result.bytes).toBeGreaterThan(0);
    expect(await readAll({ dir: t.dir })).toEqual(eventsFrom(30, 30));
    // Everything older than "far future": only the open raw segment stays.
    await pruneJournal({ dir: t.dir, olderThan: Date.parse('2100-01-01') });
    expect(readdirSync(t.dir).filter((f) => f.endsWith('.mtj') || f.endsWith('.gz'))).toHaveLength(1);
    expect(readdirSync(t.dir).some((f) => f.endsWith('.mtj'))).toBe(true);
    await journal.close();
    expect(await readAll({ dir: join(t.dir) })).toEqual(eventsFrom(50, 10));
  });
});
