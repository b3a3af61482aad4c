/**
 * The server side of the HTTP load test, run in its own process (`node --import tsx`) so the
 * load generator does not share its event loop: `createTracker` (MemoryStorage + a journal in
 * `MT_JOURNAL_DIR`) behind `createHandler` on `node:http`, port 0. It reports over IPC:
 * `{ type: 'ready', port }` on start, and `{ type: 'sample', ... }` (peak RSS since the last
 * `reset`, tracker stats) when asked with `'sample'`; `'close'` closes the tracker and exits.
 *
 * `MT_BASELINE=1` serves a naive handler instead (read, JSON.parse, constant 202): the floor of
 * `node:http` on the machine, measured in the same run.
 *
 * `MT_SLOW_MERGE_MS` makes every storage merge take that long (a slow or degraded storage) and
 * `MT_MAX_PENDING_BYTES` sets `cache.maxPendingBytes`: the overload scenario.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MergeEntry, MergeReport } from '@monkeytracker/storage';
import { createTracker, MemoryStorage } from 'monkeytracker';
import { createHandler } from 'monkeytracker/http';

const slowMs = Number(process.env.MT_SLOW_MERGE_MS ?? 0);
const maxPendingBytes = process.env.MT_MAX_PENDING_BYTES
  ? Number(process.env.MT_MAX_PENDING_BYTES)
  : undefined;

/** MemoryStorage whose merges take `slowMs` each, one at a time. */
class SlowStorage extends MemoryStorage {
  #queue: Promise<unknown> = Promise.resolve();
  override merge(entries: readonly MergeEntry[]): Promise<MergeReport> {
    const run = this.#queue.then(async () => {
      await new Promise((resolve) => setTimeout(resolve, slowMs));
      return super.merge(entries);
    });
    this.#queue = run.catch(() => {});
    return run;
  }
}

const tracker = await createTracker({
  storage: slowMs > 0 ? new SlowStorage() : new MemoryStorage(),
  journal: { dir: process.env.MT_JOURNAL_DIR as string, fsyncMs: 1000 },
  cache: maxPendingBytes ? { maxPendingBytes, flushIntervalMs: 1000 } : {},
});
const handler = createHandler(tracker);

/** The naive baseline: read the body, JSON.parse it, answer a constant 202; no validation, no tracker. */
const baseline = (req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const events = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[];
    const text = `{"accepted":${events.length},"rejected":[]}`;
    res.writeHead(202, { 'content-type': 'application/json; charset=utf-8', 'content-length': text.length });
    res.end(text);
  });
};
const server = createServer(process.env.MT_BASELINE ? baseline : (req, res) => handler(req, res));
server.keepAliveTimeout = 30_000;

let peakRss = process.memoryUsage.rss();
let peakLiveBytes = 0;
const sampler = setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > peakRss) peakRss = rss;
  const live = tracker.stats().liveBytes;
  if (live > peakLiveBytes) peakLiveBytes = live;
}, 50);

process.on('message', async (message: string) => {
  if (message === 'sample' || message === 'reset') {
    const rss = process.memoryUsage.rss();
    const stats = tracker.stats();
    const sample = {
      type: 'sample',
      peakRss: Math.max(peakRss, rss),
      rss,
      peakLiveBytes: Math.max(peakLiveBytes, stats.liveBytes),
      stats,
      http: handler.stats(),
    };
    if (message === 'reset') {
      peakRss = rss;
      peakLiveBytes = stats.liveBytes;
    }
    process.send?.(sample);
  } else if (message === 'close') {
    clearInterval(sampler);
    server.closeAllConnections();
    server.close();
    await tracker.close();
    process.exit(0);
  }
});

server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
});
