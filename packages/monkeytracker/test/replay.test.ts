import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  asAnswer,
  eventAt,
  makeTraffic,
  naiveAnswer,
  randomQuery,
  seededRandom,
  TIME_ZONE,
} from '@monkeytracker/test-kit';
import {
  createTracker,
  MemoryStorage,
  type ReplayProgress,
  replay,
  type StorageAdapter,
} from 'monkeytracker';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'mt-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A MemoryStorage that outlives the trackers on it (MemoryStorage forgets everything on close). */
class OutlivingStorage implements StorageAdapter {
  readonly inner = new MemoryStorage();
  readonly capabilities = { durable: true };
  merge: StorageAdapter['merge'] = (entries) => this.inner.merge(entries);
  get: StorageAdapter['get'] = (keys) => this.inner.get(keys);
  list: StorageAdapter['list'] = (filter) => this.inner.list(filter);
  delete: StorageAdapter['delete'] = (filter) => this.inner.delete(filter);
  async close() {}
}

describe('replay', () => {
  const traffic = makeTraffic(100_000, Date.UTC(2024, 2, 20), 20, 31);
  const now = () => traffic.t[traffic.n - 1]! + 1;

  it('rebuilds, into a fresh storage, the answers the live path gave', async () => {
    const journal = { dir: join(dir, 'a'), segmentBytes: 256 * 1024 };
    const live = await createTracker({ journal, timeZone: TIME_ZONE, now });
    for (let i = 0; i < traffic.n; i += 50) {
      const batch = [];
      for (let j = i; j < Math.min(i + 50, traffic.n); j++) batch.push(eventAt(traffic, j));
      live.track(batch);
    }
    const random = seededRandom(3);
    const queries = Array.from({ length: 40 }, () => randomQuery(traffic, random, traffic.days.length - 1));
    const liveAnswers = await Promise.all(queries.map((q) => live.query(q)));
    await live.close();

    const fresh = new MemoryStorage();
    const progress: ReplayProgress[] = [];
    const result = await replay({
      journal,
      storage: fresh,
      timeZone: TIME_ZONE,
      onProgress: (p) => progress.push(p),
      maxHeldBytes: 256 * 1024,
    });
    expect(result).toMatchObject({
      events: traffic.n,
      accepted: traffic.n,
      rejected: 0,
      corruptRanges: 0,
      skippedBytes: 0,
    });
    expect(result.segments).toBeGreaterThan(1);
    expect(result.bytes).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ events: traffic.n, segments: result.segments });

    const rebuilt = await createTracker({ storage: fresh, timeZone: TIME_ZONE, now });
    for (let i = 0; i < queries.length; i++) {
      const answer = await rebuilt.query(queries[i]!);
      expect(answer).toEqual(liveAnswers[i]);
      expect(asAnswer(answer)).toEqual(naiveAnswer(traffic, traffic.n, queries[i]!));
    }
    await rebuilt.close();
  });

  it('is safe to repeat: into storage that holds the writer’s deltas it applies only what is missing', async () => {
    const journal = { dir: join(dir, 'repeat') };
    const shared = new OutlivingStorage();
    const live = await createTracker({ journal, storage: shared, timeZone: TIME_ZONE, now });
    for (let i = 0; i < 20_000; i += 100) {
      const batch = [];
      for (let j = i; j < i + 100; j++) batch.push(eventAt(traffic, j));
      live.track(batch);
      if (i % 5_000 === 0) await live.flush();
    }
    await live.close();
    const total = async () => {
      let sum = 0;
      for await (const { key, total } of shared.list()) if (key.period.startsWith('d:')) sum += total;
      return sum;
    };
    expect(await total()).toBe(20_000);
    const again = await replay({ journal, storage: shared, timeZone: TIME_ZONE });
    expect(again.skippedDeltas).toBeGreaterThan(0);
    expect(again.leftToWriter).toBe(0);
    expect(await total()).toBe(20_000);
    // Twice into a fresh storage: the second replay changes nothing.
    const fresh = new MemoryStorage();
    await replay({ journal, storage: fresh, timeZone: TIME_ZONE });
    const second = await replay({ journal, storage: fresh, timeZone: TIME_ZONE });
    expect(second.skippedDeltas).toBe(second.events > 0 ? second.skippedDeltas : 0);
    let sum = 0;
    for await (const { key, total } of fresh.list()) if (key.period.startsWith('d:')) sum += total;
    expect(sum).toBe(20_000);
  });

  it("applies today's rules: a new url template regroups pages on replay", async () => {
    const journal = { dir: join(dir, 'b') };
    const live = await createTracker({ journal, now: () => Date.UTC(2024, 5, 1) });
    live.track([
      { kind: 'click', url: '/product/1', x: 5, y: 5, vw: 1280, vh: 700 },
      { kind: 'click', url: '/product/2', x: 5, y: 5, vw: 1280, vh: 700 },
    ]);
    await live.close();
    const storage = new MemoryStorage();
    await replay({ journal, storage, urls: { templates: ['/product/:id'] } });
    const tracker = await createTracker({
      storage,
      urls: { templates: ['/product/:id'] },
      now: () => Date.UTC(2024, 5, 1),
    });
    const h = await tracker.query({
      url: '/product/99',
      kind: 'click',
      vw: 1280,
      from: '2024-06-01',
      to: '2024-06-01',
    });
    expect(h.total).toBe(2);
    await tracker.close();
  });

  it('filters by event time and rejects bad options', async () => {
    const journal = { dir: join(dir, 'a') };
    const storage = new MemoryStorage();
    const from = traffic.t[50_000]!;
    const result = await replay({ journal, storage, timeZone: TIME_ZONE, from });
    expect(result.events).toBe(traffic.n - 50_000);
    await expect(replay({ journal: { dir: '' }, storage })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(replay({ journal, storage, timeZone: 'Nowhere/City' })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
  });
});
