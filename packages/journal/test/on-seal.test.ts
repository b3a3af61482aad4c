import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type JournalError, openJournal } from '../src/index';
import { eventsFrom, readAll, tempDir } from './helpers';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

describe('onSeal', () => {
  it('retries a hook that throws twice, delivers the file once, and loses nothing', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const calls: string[] = [];
    const delivered: string[] = [];
    const errors: JournalError[] = [];
    const journal = await openJournal({
      dir: t.dir,
      fsyncMs: 20,
      onSealBackoffMs: 10,
      onError: (e) => errors.push(e),
      onSeal: (path) => {
        calls.push(path);
        expect(existsSync(path)).toBe(true);
        if (calls.length <= 2) throw new Error(`backup unreachable #${calls.length}`);
        delivered.push(path);
      },
    });
    journal.append(eventsFrom(0, 500));
    await journal.close();
    expect(calls).toHaveLength(3);
    expect(new Set(calls).size).toBe(1);
    expect(delivered).toEqual([calls[0]]);
    expect(calls[0]).toMatch(/\.mtj\.gz$/);
    expect(existsSync(calls[0] as string)).toBe(true);
    expect(errors.map((e) => e.code)).toEqual(['JOURNAL_SEAL_FAILED', 'JOURNAL_SEAL_FAILED']);
    expect(errors[0]?.message).toMatch(/attempt 1 of 6.*backup unreachable #1.*retrying in 10 ms/);
    expect(journal.stats()).toMatchObject({ sealed: 1, sealErrors: 2 });
    expect(await readAll({ dir: t.dir })).toEqual(eventsFrom(0, 500));
  });

  it('gives up after the retries, reports it, and keeps the sealed file', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const errors: JournalError[] = [];
    let calls = 0;
    const journal = await openJournal({
      dir: t.dir,
      onSealRetries: 2,
      onSealBackoffMs: 1,
      onError: (e) => errors.push(e),
      onSeal: async () => {
        calls++;
        throw new Error('nope');
      },
    });
    journal.append(eventsFrom(0, 10));
    await journal.close();
    expect(calls).toBe(3);
    expect(errors.at(-1)?.message).toMatch(/giving up, the sealed file stays in place/);
    expect(await readAll({ dir: t.dir })).toEqual(eventsFrom(0, 10));
  });
});
