import { type MergeEntry, StorageUnavailableError } from '@monkeytracker/storage';
import { createTracker, MemoryStorage } from 'monkeytracker';
import { describe, expect, it } from 'vitest';

const NOW = Date.UTC(2024, 5, 10, 12);
const click = (x: number, y: number, extra: object = {}) => ({
  kind: 'click',
  url: '/p',
  x,
  y,
  vw: 1280,
  vh: 700,
  ...extra,
});
const june = { url: '/p', kind: 'click' as const, vw: 1280, from: '2024-06-01', to: '2024-06-30' };

describe('createTracker', () => {
  it('keeps valid events of a batch and names the rejected ones', async () => {
    const tracker = await createTracker({ now: () => NOW });
    const result = tracker.track([
      click(1, 1),
      { kind: 'tap' },
      click(2, 2, { url: 'http://' }),
      'junk',
      click(3, 3),
    ]);
    expect(result).toEqual({
      accepted: 2,
      rejected: [
        { index: 1, reason: 'kind' },
        { index: 2, reason: 'url' },
        { index: 3, reason: 'shape' },
      ],
    });
    expect(tracker.stats().rejected).toEqual({ kind: 1, url: 1, shape: 1 });
    await tracker.close();
  });

  it('normalizes the query url the way ingest does', async () => {
    const tracker = await createTracker({
      now: () => NOW,
      urls: { keepQuery: ['lang'], templates: ['/item/:id'] },
    });
    tracker.track([
      click(10, 10, { url: '/item/7/?lang=cs&utm=1#x' }),
      click(10, 10, { url: 'item/8?utm=2&lang=cs' }),
    ]);
    expect((await tracker.query({ ...june, url: '/item/1?lang=cs' })).total).toBe(2);
    expect((await tracker.query({ ...june, url: '/item/1' })).total).toBe(0);
    await tracker.close();
  });

  it('stamps events without t with the clock, and buckets queries by vw or bucket', async () => {
    const tracker = await createTracker({ now: () => NOW });
    tracker.track([click(10, 10), click(10, 10, { vw: 400 })]);
    expect((await tracker.query({ ...june, from: '2024-06-10', to: '2024-06-10' })).total).toBe(1);
    expect(
      (await tracker.query({ url: '/p', kind: 'click', bucket: 0, from: '2024-06-10', to: '2024-06-10' }))
        .total,
    ).toBe(1);
    await expect(
      tracker.query({ url: '/p', kind: 'click', from: '2024-06-10', to: '2024-06-10' }),
    ).rejects.toMatchObject({ code: 'INVALID_QUERY', field: 'vw' });
    await expect(tracker.query({ ...june, from: '2024-06-11', to: '2024-06-10' })).rejects.toMatchObject({
      code: 'INVALID_RANGE',
    });
    await tracker.close();
  });

  it('adds scroll reach to scroll heatmaps', async () => {
    const tracker = await createTracker({ now: () => NOW });
    tracker.track([
      { kind: 'scroll', url: '/p', y: 800, vw: 1280, vh: 700 },
      { kind: 'scroll', url: '/p', y: 2400, vw: 1280, vh: 700 },
    ]);
    const h = await tracker.query({ ...june, kind: 'scroll' });
    expect(h.reach).toEqual([
      { y: 800, share: 1 },
      { y: 2400, share: 0.5 },
    ]);
    await tracker.close();
  });

  it('rejects bad options at start-up with INVALID_OPTION', async () => {
    await expect(createTracker({ timeZone: 'Mars/Base' })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(createTracker({ grid: { cellSize: 0 } })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(createTracker({ grid: { breakpoints: [100, 50] } })).rejects.toThrow(/breakpoints/);
    await expect(createTracker({ cache: { maxEntries: -1 } })).rejects.toThrow(
      /cache.maxEntries must be a positive integer/,
    );
  });

  it('is closed after close(): idempotent, and every call says so', async () => {
    const tracker = await createTracker({ now: () => NOW });
    await Promise.all([tracker.close(), tracker.close()]);
    expect(() => tracker.track(click(1, 1))).toThrow(expect.objectContaining({ code: 'TRACKER_CLOSED' }));
    await expect(tracker.query(june)).rejects.toMatchObject({ code: 'TRACKER_CLOSED' });
    await expect(tracker.flush()).rejects.toMatchObject({ code: 'TRACKER_CLOSED' });
  });
});

/** A storage that refuses merges until `up` is set. */
class DownStorage extends MemoryStorage {
  up = false;
  override async merge(entries: readonly MergeEntry[]) {
    if (!this.up) throw new StorageUnavailableError('down for the test');
    return super.merge(entries);
  }
}

describe('storage down', () => {
  it('keeps deltas (queries still count them), rejects new events as overloaded past the bound, and recovers', async () => {
    const storage = new DownStorage();
    const errors: Error[] = [];
    const tracker = await createTracker({
      storage,
      now: () => NOW,
      cache: { flushIntervalMs: 5, maxPendingBytes: 200_000 },
      onError: (e) => errors.push(e),
    });
    let accepted = 0;
    let overloaded = 0;
    for (let i = 0; i < 400 && overloaded === 0; i++) {
      const batch = Array.from({ length: 100 }, (_, j) =>
        click((i * 100 + j) % 4000, (i * 7 + j * 13) % 40_000),
      );
      const r = tracker.track(batch);
      accepted += r.accepted;
      overloaded += r.rejected.filter((x) => x.reason === 'overloaded').length;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(overloaded).toBeGreaterThan(0);
    expect(errors.length).toBeGreaterThan(0);
    const stats = tracker.stats();
    expect(stats.overloaded).toBe(true);
    expect(stats.mergeErrors).toBeGreaterThan(0);
    expect(stats.rejected.overloaded).toBe(overloaded);
    expect(stats.liveBytes).toBeLessThan(400_000);
    expect((await tracker.query(june)).total).toBe(accepted);

    storage.up = true;
    await tracker.flush();
    expect(tracker.stats()).toMatchObject({ overloaded: false, pendingMerges: 0 });
    expect((await tracker.query(june)).total).toBe(accepted);
    expect(tracker.track(click(1, 1)).accepted).toBe(1);
    await tracker.close();
  });

  it('close() with storage still down reports FLUSH_INCOMPLETE instead of hanging forever', {
    timeout: 60_000,
  }, async () => {
    const storage = new DownStorage();
    const tracker = await createTracker({ storage, now: () => NOW, cache: { flushTimeoutMs: 1_000 } });
    tracker.track(click(1, 1));
    const started = Date.now();
    await expect(tracker.close()).rejects.toMatchObject({ code: 'FLUSH_INCOMPLETE', pendingDeltas: 1 });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
