/**
 * HTTP area: autocannon against `createHandler` on `node:http` over loopback, with batches of 20
 * valid events posted as `text/plain` (what sendBeacon sends). The server runs in a child
 * process (`http-server.fixture.ts`), so its CPU and memory are its own; on a 2-core machine it
 * still competes with autocannon for the CPU.
 *
 * 1. Short probes of a few connection counts; the best one runs for 20 s (the sustainable rate).
 *    Checked: every 202 counted 20 events, and the heatmaps add up to exactly that many.
 * 2. Overload: a storage whose merges take 500 ms and `cache.maxPendingBytes` of 16 MiB, with
 *    a new url per event, driven at twice the sustainable rate: the server answers 503 +
 *    Retry-After, counts the drops, keeps its memory bounded, and accepts again once merges
 *    catch up after the load stops.
 * 3. Handler ÷ bare server: 4 interleaved pairs of fresh processes (6 s each after a 4 s
 *    warm-up), their median ratio, so the machine's drift falls on both sides.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { TrackerStats } from 'monkeytracker';
import type { HandlerStats } from 'monkeytracker/http';
import { makeEvents } from './fixtures.ts';
import { type BenchArea, check, formatBytes, formatRatio, markdownTable, verdict } from './harness.ts';

const BATCH = 20;
const DURATION_S = 20;
const PROBE_S = 5;
const OVERLOAD_S = 15;
const TALK_RPS = 3000;
const TARGET_RPS = 20_000;
const SLOW_MERGE_MS = 500;
const MAX_PENDING_BYTES = 16 * 2 ** 20;
const BREAKPOINT_BUCKETS = 6;

const here = dirname(fileURLToPath(import.meta.url));

interface Sample {
  peakRss: number;
  rss: number;
  peakLiveBytes: number;
  stats: TrackerStats;
  http: HandlerStats;
}

/** The server child: start it, sample it, stop it. */
class ServerProcess {
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #samples: ((s: Sample) => void)[] = [];

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.port = port;
    child.on('message', (m: { type: string } & Sample) => {
      if (m.type === 'sample') this.#samples.shift()?.(m);
    });
  }

  static start(env: Record<string, string>): Promise<ServerProcess> {
    const child = fork(join(here, 'http-server.fixture.ts'), [], {
      execArgv: ['--import', 'tsx'],
      cwd: join(here, '..'),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`server fixture exited with ${code}`)));
      child.on('message', (m: { type: string; port: number }) => {
        if (m.type === 'ready') resolve(new ServerProcess(child, m.port));
      });
    });
  }

  /** Stats and peak RSS since the last reset; `reset` starts a new peak. */
  sample(reset = false): Promise<Sample> {
    return new Promise((resolve) => {
      this.#samples.push(resolve);
      this.#child.send(reset ? 'reset' : 'sample');
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#child.removeAllListeners('exit');
      this.#child.once('exit', () => resolve());
      this.#child.send('close');
    });
  }
}

function collectRequests(bodies: string[]): autocannon.Request[] {
  return bodies.map((body) => ({
    method: 'POST',
    path: '/mt/collect',
    headers: { 'content-type': 'text/plain;charset=UTF-8' },
    body,
  }));
}

function load(port: number, options: Partial<autocannon.Options>): Promise<autocannon.Result> {
  return autocannon({ url: `http://127.0.0.1:${port}`, pipelining: 1, ...options });
}

function count(result: autocannon.Result, status: number): number {
  return result.statusCodeStats?.[`${status}` as `${number}`]?.count ?? 0;
}

const n = (v: number) => Math.round(v).toLocaleString('en');

async function steady(journalDir: string) {
  const events = makeEvents({ count: 64 * BATCH, seed: 7, urls: 50 });
  const bodies: string[] = [];
  for (let i = 0; i < events.length; i += BATCH) bodies.push(JSON.stringify(events.slice(i, i + BATCH)));
  const requests = collectRequests(bodies);
  const server = await ServerProcess.start({ MT_JOURNAL_DIR: journalDir });
  try {
    // Correct before fast: one batch, then its heatmap.
    const first = await fetch(`http://127.0.0.1:${server.port}/mt/collect`, {
      method: 'POST',
      body: bodies[0],
      headers: { 'content-type': 'text/plain' },
    });
    check(first.status === 202, `a valid batch is accepted (got ${first.status})`);
    check((await first.json()).accepted === BATCH, 'all 20 events of a valid batch are accepted');

    await load(server.port, { connections: 50, duration: 3, requests }); // warm-up
    const probes: { connections: number; rps: number; errors: number }[] = [];
    for (const connections of [10, 50, 100]) {
      const r = await load(server.port, { connections, duration: PROBE_S, requests });
      probes.push({ connections, rps: r.requests.average, errors: r.errors + r.non2xx });
    }
    const best = probes.filter((p) => p.errors === 0).sort((a, b) => b.rps - a.rps)[0] ?? probes[0]!;

    const before = await server.sample(true);
    const result = await load(server.port, { connections: best.connections, duration: DURATION_S, requests });
    const after = await server.sample();
    const ok = count(result, 202);
    const accepted = after.stats.accepted - before.stats.accepted;
    check(
      result.non2xx === 0 && result.errors === 0,
      `no errors in the steady run (${result.non2xx} non-2xx, ${result.errors} errors)`,
    );
    // autocannon stops without waiting for the requests in flight (one per connection): the server
    // may have counted those batches without autocannon seeing their 202.
    const inFlight = accepted - ok * BATCH;
    check(
      inFlight >= 0 && inFlight <= best.connections * BATCH,
      `the tracker counted 20 events per 202, plus at most the batches in flight (${accepted} vs ${ok * BATCH})`,
    );

    // The heatmaps of every (url, kind, bucket) add up to every event the tracker accepted.
    const today = new Date();
    const from = new Date(today.getTime() - 86_400_000).toISOString().slice(0, 10);
    const to = today.toISOString().slice(0, 10);
    const urls = [...new Set(events.map((e) => e.url))];
    let total = 0;
    for (const url of urls) {
      for (const kind of ['click', 'scroll']) {
        for (let bucket = 0; bucket < BREAKPOINT_BUCKETS; bucket++) {
          const q = new URLSearchParams({ url, kind, bucket: String(bucket), from, to, top: '1' });
          const res = await fetch(`http://127.0.0.1:${server.port}/mt/heatmap?${q}`);
          check(res.status === 200, `heatmap query answers 200 (got ${res.status})`);
          total += ((await res.json()) as { total: number }).total;
        }
      }
    }
    check(
      total === after.stats.accepted,
      `heatmap totals ${total} = accepted events ${after.stats.accepted}`,
    );
    return {
      requests,
      bodyBytes: bodies.reduce((sum, b) => sum + Buffer.byteLength(b), 0) / bodies.length,
      probes,
      best,
      result,
      accepted,
      inFlight,
      peakRss: after.peakRss,
      baseRss: before.rss,
      heatmapTotal: total,
    };
  } finally {
    await server.close();
  }
}

/** The naive node:http baseline at the same connection count and for the same time. */
async function baseline(journalDir: string, connections: number, requests: autocannon.Request[]) {
  const server = await ServerProcess.start({ MT_JOURNAL_DIR: journalDir, MT_BASELINE: '1' });
  try {
    await load(server.port, { connections, duration: 3, requests });
    const before = await server.sample(true);
    const result = await load(server.port, { connections, duration: DURATION_S, requests });
    const after = await server.sample();
    check(result.non2xx === 0 && result.errors === 0, 'the baseline answers every request');
    return { result, peakRss: after.peakRss, baseRss: before.rss };
  } finally {
    await server.close();
  }
}

async function overload(journalDir: string, rate: number, connections: number) {
  // A new url for every event of every request (a counter in the url), so every batch adds live
  // keys and pages and unmerged deltas pile up behind the slow storage. The bodies are built from
  // 2,000 seeded batches split around the url's counter, so building one costs a few µs.
  const base = makeEvents({ count: 2000 * BATCH, seed: 11, urls: 50 });
  const TOKEN = '__N__';
  const templates: string[][] = [];
  for (let i = 0; i < base.length; i += BATCH) {
    templates.push(
      JSON.stringify(
        base.slice(i, i + BATCH).map((e) => ({ ...e, url: `https://shop.example/item/${TOKEN}` })),
      ).split(TOKEN),
    );
  }
  let serial = 0;
  const nextBody = (): string => {
    const parts = templates[serial % templates.length]!;
    let body = parts[0]!;
    for (let j = 1; j < parts.length; j++) body += `${serial}-${j}${parts[j]}`;
    serial++;
    return body;
  };
  const first = nextBody();
  const overloadRequests: autocannon.Request[] = [
    {
      method: 'POST',
      path: '/mt/collect',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      setupRequest: (req) => ({ ...req, body: nextBody() }),
    },
  ];
  const server = await ServerProcess.start({
    MT_JOURNAL_DIR: journalDir,
    MT_SLOW_MERGE_MS: String(SLOW_MERGE_MS),
    MT_MAX_PENDING_BYTES: String(MAX_PENDING_BYTES),
  });
  try {
    const before = await server.sample(true);
    const result = await load(server.port, {
      connections,
      duration: OVERLOAD_S,
      overallRate: Math.round(rate),
      requests: overloadRequests,
    });
    const after = await server.sample(true);
    // Recovery: merges catch up once the load stops; then a batch is accepted again.
    const stopped = Date.now();
    let recoveredMs = Number.NaN;
    let finalStatus = 0;
    while (Date.now() - stopped < 120_000) {
      const health = await fetch(`http://127.0.0.1:${server.port}/mt/health`);
      await health.arrayBuffer();
      if (health.status === 200) {
        const res = await fetch(`http://127.0.0.1:${server.port}/mt/collect`, {
          method: 'POST',
          body: first,
          headers: { 'content-type': 'text/plain' },
        });
        finalStatus = res.status;
        await res.arrayBuffer();
        if (res.status === 202) {
          recoveredMs = Date.now() - stopped;
          break;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const accepted202 = count(result, 202);
    const rejected503 = count(result, 503);
    const droppedEvents = (after.stats.rejected.overloaded ?? 0) - (before.stats.rejected.overloaded ?? 0);
    const droppedBatches = after.http.overloaded - before.http.overloaded;
    check(
      droppedBatches >= rejected503,
      `the handler counted every 503 (${droppedBatches} ≥ ${rejected503})`,
    );
    check(
      rejected503 > 0,
      `the overloaded server answered 503 (202s ${accepted202}, peak live bytes ${after.peakLiveBytes}, stats ${JSON.stringify(after.stats)})`,
    );
    check(finalStatus === 202, `the server accepts again after the load stops (last status ${finalStatus})`);
    check(
      after.stats.accepted - before.stats.accepted <= (accepted202 + connections) * BATCH,
      `accepted events (${after.stats.accepted - before.stats.accepted}) ≤ 20 per 202 and per batch in flight (${(accepted202 + connections) * BATCH})`,
    );
    return {
      result,
      accepted202,
      rejected503,
      droppedBatches,
      droppedEvents,
      peakRss: after.peakRss,
      baseRss: before.rss,
      peakLiveBytes: after.peakLiveBytes,
      storedEvents: after.stats.accepted,
      recoveredMs,
    };
  } finally {
    await server.close();
  }
}

/** Interleaved handler/baseline runs of {@link PAIR_S} s each; a fresh server process per run. */
const PAIRS = 4;
const PAIR_S = 6;
/** Warm-up of each pair run: the handler's JIT and live tables settle later than the bare server's. */
const PAIR_WARMUP_S = 4;

/**
 * Handler and baseline in alternation, so drift in the machine's load (this 2-core machine is
 * shared, and one 20 s run of each can see different loads) falls on both: the ratio of each
 * pair, and their median.
 */
async function interleavedPairs(dir: string, connections: number, requests: autocannon.Request[]) {
  const pairs: { handler: number; baseline: number }[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const rates: number[] = [];
    for (const baselineRun of [false, true]) {
      const env: Record<string, string> = {
        MT_JOURNAL_DIR: join(dir, `pair-${i}-${baselineRun ? 'b' : 'h'}`),
      };
      if (baselineRun) env.MT_BASELINE = '1';
      const server = await ServerProcess.start(env);
      try {
        await load(server.port, { connections, duration: PAIR_WARMUP_S, requests });
        const result = await load(server.port, { connections, duration: PAIR_S, requests });
        check(result.non2xx === 0 && result.errors === 0, 'every request of a pair run is answered 202');
        rates.push(result.requests.average);
      } finally {
        await server.close();
      }
    }
    pairs.push({ handler: rates[0]!, baseline: rates[1]! });
  }
  const ratios = pairs.map((p) => p.handler / p.baseline).sort((a, b) => a - b);
  const mid = ratios.length >> 1;
  return { pairs, median: ratios.length % 2 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2 };
}

const area: BenchArea = {
  name: 'http',
  title: 'HTTP handler under load (autocannon)',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'mt-bench-http-'));
    try {
      const s = await steady(join(dir, 'steady'));
      const rps = s.result.requests.average;
      const b = await baseline(join(dir, 'baseline'), s.best.connections, s.requests);
      const baseRps = b.result.requests.average;
      const o = await overload(join(dir, 'overload'), 2 * rps, s.best.connections);
      const p = await interleavedPairs(dir, s.best.connections, s.requests);
      const lat = s.result.latency;
      const steadyTable = markdownTable(
        ['metric', 'value'],
        [
          ['connections (best of probes), pipelining', `${s.best.connections}, 1`],
          ['requests/s (mean over 20 s)', n(rps)],
          ['events/s', n(rps * BATCH)],
          ['latency p50 / p99', `${lat.p50} ms / ${lat.p99} ms`],
          [
            'requests: 202 / non-2xx / errors / timeouts',
            `${n(count(s.result, 202))} / ${s.result.non2xx} / ${s.result.errors} / ${s.result.timeouts}`,
          ],
          [
            'events accepted by the tracker in the run',
            `${n(s.accepted)} (= 20 × 202s + ${n(s.inFlight / BATCH)} batches in flight when autocannon stopped)`,
          ],
          [
            'heatmap totals of every url × kind × bucket',
            `${n(s.heatmapTotal)} = all events accepted since start (warm-up and probes included)`,
          ],
          ['server peak RSS (start of run)', `${formatBytes(s.peakRss)} (${formatBytes(s.baseRss)})`],
          [
            'naive node:http baseline (read, JSON.parse, constant 202): requests/s, p99',
            `${n(baseRps)}, ${b.result.latency.p99} ms`,
          ],
          ['handler ÷ baseline (these two 20 s runs)', formatRatio(rps / baseRps)],
          [
            `handler ÷ baseline, median of ${PAIRS} interleaved ${PAIR_S} s pairs (target ≥ 0.8×)`,
            `${formatRatio(p.median)} ${verdict(p.median >= 0.8)} (${p.pairs.map((x) => `${n(x.handler)} / ${n(x.baseline)}`).join(', ')} requests/s)`,
          ],
          [`vs the talk's ${n(TALK_RPS)} requests/s`, formatRatio(rps / TALK_RPS)],
          [`target ≥ ${n(TARGET_RPS)} requests/s of 20-event batches`, verdict(rps >= TARGET_RPS)],
        ],
      );
      const probeTable = markdownTable(
        ['connections', 'requests/s', 'non-2xx + errors'],
        s.probes.map((p) => [p.connections, n(p.rps), p.errors]),
      );
      const ol = o.result.latency;
      const overloadTable = markdownTable(
        ['metric', 'value'],
        [
          ['offered rate (2 × sustainable)', `${n(2 * rps)} requests/s for ${OVERLOAD_S} s`],
          ['answered requests/s', n(o.result.requests.average)],
          [
            '202 / 503 / other non-2xx / errors',
            `${n(o.accepted202)} / ${n(o.rejected503)} / ${n(o.result.non2xx - o.rejected503)} / ${o.result.errors}`,
          ],
          [
            'drops counted: batches refused by the handler (`handler.stats().overloaded`) / events refused inside accepted batches (`stats().rejected.overloaded`)',
            `${n(o.droppedBatches)} / ${n(o.droppedEvents)}`,
          ],
          [
            `peak live + unmerged bytes (\`stats().liveBytes\`, limit ${formatBytes(MAX_PENDING_BYTES)})`,
            formatBytes(o.peakLiveBytes),
          ],
          ['latency p50 / p99', `${ol.p50} ms / ${ol.p99} ms`],
          [
            'server peak RSS (start of run)',
            `${formatBytes(o.peakRss)} (${formatBytes(o.baseRss)}); includes the MemoryStorage holding ${n(o.storedEvents)} events, each under a new url`,
          ],
          ['accepting again after the load stopped', `${(o.recoveredMs / 1000).toFixed(1)} s`],
        ],
      );
      return `One server process (node:http + createHandler + createTracker: MemoryStorage and a journal on disk, fsync every 1 s) and autocannon in the bench process, over loopback. Bodies: 20 valid events (${n(s.bodyBytes)} bytes of JSON on average, 50 urls, clicks and scrolls) as \`text/plain\`. On this 2-core machine the server and autocannon share the CPU, so these are lower bounds for a dedicated server core.

### Sustainable rate: ${DURATION_S} s at the best connection count

${steadyTable}

Probes (${PROBE_S} s each):

${probeTable}

### Overload: twice the sustainable rate against a slow storage

Merges take ${SLOW_MERGE_MS} ms each, \`cache.maxPendingBytes\` is ${formatBytes(MAX_PENDING_BYTES)}, and every event has a new url, so unmerged deltas pile up until the tracker refuses events.

${overloadTable}

503 answers carry \`Retry-After: 1\` and are sent before the body is read; drops are counted by the handler (\`handler.stats()\`, also in \`GET /mt/health\`) and by the tracker, never silent.`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default area;
