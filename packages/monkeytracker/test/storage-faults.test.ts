/**
 * A storage that stops answering, one that is only slow, and a MongoDB that is not there: queries
 * answer fast (503), health says degraded, close() finishes on time and reports what stays
 * queued — never a hang, never an uncaught error.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoStorage } from '@monkeytracker/storage-mongodb';
import { createTracker, MemoryStorage, type StorageAdapter, type Tracker } from 'monkeytracker';
import { createHandler } from 'monkeytracker/http';
import { afterEach, describe, expect, it } from 'vitest';

const NOW = Date.UTC(2024, 5, 10, 12);
const click = { kind: 'click', url: '/p', x: 1, y: 1, vw: 1280, vh: 720 };
const june = { url: '/p', kind: 'click' as const, vw: 1280, from: '2024-06-01', to: '2024-06-30' };

/** A storage whose calls never settle (a database that stopped answering), or settle after `delayMs`. */
class StuckStorage implements StorageAdapter {
  readonly inner = new MemoryStorage();
  constructor(readonly delayMs = Number.POSITIVE_INFINITY) {}
  #wait<T>(then: () => Promise<T>): Promise<T> {
    if (!Number.isFinite(this.delayMs)) return new Promise(() => {});
    return new Promise((resolve, reject) => setTimeout(() => then().then(resolve, reject), this.delayMs));
  }
  merge: StorageAdapter['merge'] = (entries) => this.#wait(() => this.inner.merge(entries));
  get: StorageAdapter['get'] = (keys) => this.#wait(() => this.inner.get(keys));
  list: StorageAdapter['list'] = (filter) => this.inner.list(filter);
  delete: StorageAdapter['delete'] = (filter) => this.inner.delete(filter);
  close = () => this.#wait(() => this.inner.close());
}

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function serve(tracker: Tracker): Promise<string> {
  const handler = createHandler(tracker);
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function timed<T>(work: Promise<T>): Promise<{ ms: number; result: T | undefined; error: unknown }> {
  const started = performance.now();
  try {
    const result = await work;
    return { ms: performance.now() - started, result, error: undefined };
  } catch (error) {
    return { ms: performance.now() - started, result: undefined, error };
  }
}

describe('a storage that stops answering', () => {
  it('queries answer 503 STORAGE_UNAVAILABLE within queryTimeoutMs + 100 ms; health turns degraded', async () => {
    const errors: Error[] = [];
    const tracker = await createTracker({
      storage: new StuckStorage(),
      now: () => NOW,
      queryTimeoutMs: 400,
      cache: { flushIntervalMs: 50, mergeTimeoutMs: 100, flushTimeoutMs: 200 },
      onError: (e) => errors.push(e),
    });
    cleanup.push(() => tracker.close().catch(() => {}));
    const base = await serve(tracker);
    tracker.track([click, click]);
    const q = `${base}/mt/heatmap?url=/p&kind=click&vw=1280&from=2024-06-01&to=2024-06-30`;
    const { ms, result } = await timed(fetch(q));
    expect(result!.status).toBe(503);
    expect(result!.headers.get('retry-after')).toBe('1');
    expect(await result!.json()).toEqual({
      error: 'storage is unreachable or timed out; retry later',
      code: 'STORAGE_UNAVAILABLE',
    });
    expect(ms).toBeLessThan(400 + 100);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few ticks whose merges time out
    expect(await (await fetch(`${base}/mt/health`)).json()).toMatchObject({
      status: 'degraded',
      stats: { healthReasons: ['merges failing: STORAGE_UNAVAILABLE'], pendingMerges: 1 },
    });
    expect(errors.some((e) => /did not answer within 100 ms/.test(e.message))).toBe(true);
  });

  it('close() finishes within flushTimeoutMs + 500 ms and reports what stays queued', async () => {
    const tracker = await createTracker({
      storage: new StuckStorage(),
      now: () => NOW,
      cache: { flushTimeoutMs: 1000, flushIntervalMs: 20 },
    });
    tracker.track([click]);
    await new Promise((resolve) => setTimeout(resolve, 50)); // a tick is stuck in a merge now
    const { ms, error } = await timed(tracker.close());
    expect(ms).toBeLessThan(1000 + 500);
    expect(error).toMatchObject({ code: 'FLUSH_INCOMPLETE', pendingDeltas: 1 });
    expect((error as Error).message).toMatch(/1 live deltas could not be merged into storage in time/);
  });
});

describe('a slow storage', () => {
  it('close() with merges taking 10 s still finishes within flushTimeoutMs + 500 ms', async () => {
    const tracker = await createTracker({
      storage: new StuckStorage(10_000),
      now: () => NOW,
      cache: { flushTimeoutMs: 800 },
    });
    tracker.track([click]);
    const { ms, error } = await timed(tracker.close());
    expect(ms).toBeLessThan(800 + 500);
    expect(error).toMatchObject({ code: 'FLUSH_INCOMPLETE' });
  });

  it('a query slower than queryTimeoutMs is a 503, a faster one answers', async () => {
    const tracker = await createTracker({
      storage: new StuckStorage(150),
      now: () => NOW,
      queryTimeoutMs: 1000,
    });
    cleanup.push(() => tracker.close().catch(() => {}));
    tracker.track([click]);
    expect((await tracker.query(june)).total).toBe(1);
    const fast = await createTracker({ storage: new StuckStorage(150), now: () => NOW, queryTimeoutMs: 50 });
    cleanup.push(() => fast.close().catch(() => {}));
    await expect(fast.query(june)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', status: 503 });
  });
});

describe('a MongoDB that is not there', () => {
  it('queries fail fast, close() is bounded, nothing names the host to clients', async () => {
    const storage = new MongoStorage({ uri: 'mongodb://127.0.0.1:1/', db: 'nowhere' });
    const tracker = await createTracker({
      storage,
      now: () => NOW,
      queryTimeoutMs: 500,
      cache: { flushTimeoutMs: 700 },
    });
    const base = await serve(tracker);
    tracker.track([click]);
    const { ms, result } = await timed(
      fetch(`${base}/mt/heatmap?url=/p&kind=click&vw=1280&from=2024-06-10&to=2024-06-10`),
    );
    expect(ms).toBeLessThan(500 + 100);
    expect(result!.status).toBe(503);
    const text = await result!.text();
    expect(text).not.toMatch(/127\.0\.0\.1|:1\b|mongodb:/);
    const closed = await timed(tracker.close());
    expect(closed.ms).toBeLessThan(700 + 500);
    expect(closed.error).toMatchObject({ code: 'FLUSH_INCOMPLETE' });
  });
});

describe('checkStorage at start', () => {
  it('rejects with STORAGE_UNAVAILABLE within queryTimeoutMs + 100 ms when MongoDB is not there, releasing the journal', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'mt-check-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const storage = new MongoStorage({ uri: 'mongodb://127.0.0.1:1/', db: 'nowhere' });
    const started = await timed(
      createTracker({ storage, checkStorage: true, queryTimeoutMs: 400, journal: { dir } }),
    );
    await storage.close();
    expect(started.ms).toBeLessThan(400 + 100);
    expect(started.error).toMatchObject({ code: 'STORAGE_UNAVAILABLE', status: 503 });
    expect((started.error as Error).message).toMatch(/not reachable at start .*skip-storage-check/);
    // Nothing was opened: the journal is free for the next try.
    const next = await createTracker({ journal: { dir } });
    await next.close();
  });

  it('passes when storage answers, and is skipped by default (a storage down at start delays nothing)', async () => {
    let readyCalls = 0;
    const storage = Object.assign(new MemoryStorage(), {
      ready: async () => {
        readyCalls++;
      },
    });
    const checked = await createTracker({ storage, checkStorage: true });
    await checked.close();
    expect(readyCalls).toBe(1);
    const stuck = Object.assign(new MemoryStorage(), { ready: () => new Promise<void>(() => {}) });
    const unchecked = await timed(createTracker({ storage: stuck }));
    expect(unchecked.ms).toBeLessThan(1_000);
    await unchecked.result!.close();
  });
});
