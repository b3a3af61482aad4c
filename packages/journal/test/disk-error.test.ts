import { afterEach, describe, expect, it, vi } from 'vitest';
import { type JournalError, JournalWriteError, openJournal } from '../src/index';
import { eventsFrom, readAll, tempDir, waitFor } from './helpers';

/** Switch for the fake disk: when set, segment writes fail with this errno after writing half a frame. */
const disk = vi.hoisted(() => ({ failWith: null as string | null }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    const writev = handle.writev.bind(handle);
    handle.writev = (async (buffers: NodeJS.ArrayBufferView[], position?: number) => {
      if (disk.failWith) {
        // A torn write: half of the first buffer lands, then the disk refuses.
        const first = buffers[0] as Uint8Array;
        await handle.write(first, 0, first.length >> 1, position ?? null);
        throw Object.assign(new Error(`${disk.failWith}: simulated disk failure, write`), {
          code: disk.failWith,
        });
      }
      return writev(buffers, position);
    }) as typeof handle.writev;
    return handle;
  };
  return { ...real, open, default: { ...real, open } };
});

let cleanups: (() => void)[] = [];
afterEach(() => {
  disk.failWith = null;
  for (const c of cleanups) c();
  cleanups = [];
});

describe('disk errors', () => {
  it('reports ENOSPC, keeps events buffered up to maxPendingBytes, refuses past it, and recovers', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const errors: JournalError[] = [];
    const journal = await openJournal({
      dir: t.dir,
      fsyncMs: 10,
      maxPendingBytes: 64 * 1024,
      onError: (e) => errors.push(e),
    });
    journal.append(eventsFrom(0, 100));
    await journal.flush();

    disk.failWith = 'ENOSPC';
    let accepted = 100;
    accepted += journal.append(eventsFrom(accepted, 100));
    await waitFor(() => errors.length > 0);
    expect(errors[0]).toBeInstanceOf(JournalWriteError);
    expect(errors[0]?.code).toBe('JOURNAL_WRITE_FAILED');
    expect(errors[0]?.message).toMatch(/disk is full.*stay buffered/);
    expect((errors[0]?.cause as NodeJS.ErrnoException | undefined)?.code).toBe('ENOSPC');
    expect(journal.stats()).toMatchObject({ failing: true, eventsDurable: 100 });
    await expect(journal.flush()).rejects.toThrow(JournalWriteError);

    // Fill the buffer: append takes fewer than given once maxPendingBytes is reached, never more.
    let refusedAt = -1;
    for (let round = 0; round < 100 && refusedAt < 0; round++) {
      const took = journal.append(eventsFrom(accepted, 100));
      accepted += took;
      if (took < 100) refusedAt = round;
    }
    expect(refusedAt).toBeGreaterThanOrEqual(0);
    expect(journal.stats().pendingBytes).toBeLessThanOrEqual(64 * 1024);
    expect(journal.stats().refused).toBeGreaterThan(0);
    expect(journal.append(eventsFrom(accepted, 10))).toBe(0);

    disk.failWith = null;
    await journal.flush();
    expect(journal.stats()).toMatchObject({ failing: false, eventsDurable: accepted, pendingBytes: 0 });
    expect(journal.append(eventsFrom(accepted, 10))).toBe(10);
    accepted += 10;
    await journal.close();
    // The torn half-frames were truncated before the retry: the journal reads back clean.
    expect(await readAll({ dir: t.dir, strict: true })).toEqual(eventsFrom(0, accepted));
  });

  it('close() on a failing disk releases the lock and rejects with the number of events lost', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const journal = await openJournal({ dir: t.dir, fsyncMs: 10, onError: () => {} });
    journal.append(eventsFrom(0, 10));
    await journal.flush();
    disk.failWith = 'EIO';
    journal.append(eventsFrom(10, 5));
    await expect(journal.close()).rejects.toThrow(/close\(\) could not write 5 buffered events.*I\/O error/);
    disk.failWith = null;
    const again = await openJournal({ dir: t.dir });
    await again.close();
    expect(await readAll({ dir: t.dir })).toEqual(eventsFrom(0, 10));
  });
});
