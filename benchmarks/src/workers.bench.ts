/**
 * Workers area: `monkeytracker serve --workers N` (node:cluster, one tracker and journal per
 * worker, indexes shared in MongoDB) under autocannon, 1 worker against 2 in the same run, runs
 * interleaved. On a 2-core machine the workers, autocannon and the database share the cores, so
 * the ratio is a floor for a machine with a core per worker.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { makeEvents } from './fixtures.ts';
import { type BenchArea, check, formatRatio, markdownTable } from './harness.ts';
import { startBenchMongo } from './mongo-server.ts';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'cli', 'dist', 'bin.js');
const BATCH = 20;
const ROUNDS = 3;
const SECONDS = 8;
const CONNECTIONS = 100;

interface Served {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
}

function serve(workers: number, dir: string, uri: string, collection: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        'serve',
        '--workers',
        String(workers),
        '--port',
        '0',
        '--journal',
        dir,
        '--mongodb',
        uri,
        '--db',
        'mt_bench_workers',
        '--collection',
        collection,
        '--no-viewer',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((r) => child.on('close', r));
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), exited });
    });
    child.stderr!.on('data', (d) => (err += d));
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

const area: BenchArea = {
  name: 'workers',
  title: 'serve --workers: 1 worker against 2 (node:cluster, MongoDB shared)',
  async run() {
    const mongo = await startBenchMongo();
    if ('unavailable' in mongo) return `Skipped: ${mongo.unavailable}.`;
    const dir = mkdtempSync(join(tmpdir(), 'mt-bench-workers-'));
    const events = makeEvents({ count: 64 * BATCH, seed: 7, urls: 50 });
    const requests = [];
    for (let i = 0; i < events.length; i += BATCH)
      requests.push({
        method: 'POST' as const,
        path: '/mt/collect',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: JSON.stringify(events.slice(i, i + BATCH)),
      });
    const rates: Record<number, number[]> = { 1: [], 2: [] };
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (const workers of round % 2 ? [2, 1] : [1, 2]) {
          const served = await serve(
            workers,
            join(dir, `r${round}-w${workers}`),
            mongo.uri,
            `c${round}_${workers}`,
          );
          const url = `http://127.0.0.1:${served.port}`;
          await autocannon({ url, connections: CONNECTIONS, duration: 2, requests }); // warm-up
          const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, requests });
          check(
            result.non2xx === 0 && result.errors === 0,
            `every request answered 202 (${result.non2xx} non-2xx, ${result.errors} errors)`,
          );
          rates[workers]!.push(result.requests.average);
          served.child.kill('SIGTERM');
          check((await served.exited) === 0, 'serve closed cleanly on SIGTERM');
        }
      }
    } finally {
      await mongo.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    const one = median(rates[1]!);
    const two = median(rates[2]!);
    const n = (v: number) => Math.round(v).toLocaleString('en');
    return `${markdownTable(
      ['workers', 'requests/s (median of runs)', 'events/s', 'runs', 'ratio to 1 worker'],
      [
        ['1', n(one), n(one * BATCH), rates[1]!.map(n).join(', '), '1.00×'],
        ['2', n(two), n(two * BATCH), rates[2]!.map(n).join(', '), formatRatio(two / one)],
      ],
    )}

Each run: \`monkeytracker serve --workers N --mongodb\` on ${mongo.name}, a ${SECONDS} s autocannon run at ${CONNECTIONS} connections after a 2 s warm-up, bodies of ${BATCH} events as \`text/plain\`; runs of 1 and 2 workers interleaved. The collect path never waits for the database (merges run every flush interval in the background), so the database costs only the background merges. Limits: the machine has 2 cores shared by the workers, autocannon and the database, so 2 workers cannot reach 2×; each worker keeps its own live cache and journal (memory and disk × N), and a read answers from MongoDB plus that worker's live events — other workers' events show once they merge (\`flushIntervalMs\`, 5 s).`;
  },
};

export default area;
