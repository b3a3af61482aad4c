/**
 * A client flooding collect with unique urls (short and 2 KB long) and made-up sites, against a
 * tracker server in a child process: memory stays bounded (refusals are counted as
 * 'cardinality'), and a restart that re-reads the whole journal succeeds under a 512 MB heap.
 * `pnpm test` sends 60,000 events, `pnpm test:long` 600,000.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, PACKAGE_DIR } from './build-dist';

const LONG = process.env.MT_LONG === '1';
const EVENTS = LONG ? 600_000 : 60_000;
/**
 * The documented bounds, for a server run with --max-old-space-size=256: resident memory under a
 * flood of unique urls, and the heap still in use after a full GC (what the tracker retains).
 */
const RSS_BOUND_MIB = 256;
const RETAINED_BOUND_MIB = 96;
const dir = mkdtempSync(join(tmpdir(), 'mt-flood-'));
beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(heapMiB?: number): Promise<{ child: ChildProcess; base: string; recovered: number }> {
  const args = ['--expose-gc', ...(heapMiB ? [`--max-old-space-size=${heapMiB}`] : [])];
  const child = spawn(
    process.execPath,
    [...args, join(PACKAGE_DIR, 'test/fixtures/flood-server.mjs'), join(dir, 'journal')],
    {
      cwd: PACKAGE_DIR,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^listening (\S+) recovered (\d+)/.exec(line);
      if (m) resolve({ child, base: m[1]!, recovered: Number(m[2]) });
    });
  });
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

describe('a flood of unique urls', () => {
  it(`keeps RSS under ${RSS_BOUND_MIB} MiB and retains under ${RETAINED_BOUND_MIB} MiB over ${EVENTS} events, refusing past the page budget; restarts under a 512 MB heap`, async () => {
    const first = await start(256);
    const long = 'x'.repeat(1900);
    let n = 0;
    const send = async () => {
      while (n < EVENTS) {
        const batch = [];
        for (let j = 0; j < 50; j++, n++) {
          // Unique urls, every fifth 2 KB long, and a made-up site the handler must ignore.
          const url = n % 5 === 0 ? `/${long}/${n}` : `/p/${n}?id=${n}`;
          batch.push({ kind: 'click', url, x: n % 1000, y: n % 3000, vw: 1280, vh: 720, site: `site-${n}` });
        }
        const res = await fetch(`${first.base}/mt/collect`, { method: 'POST', body: JSON.stringify(batch) });
        expect([202, 503]).toContain(res.status);
        await res.arrayBuffer();
      }
    };
    await Promise.all([send(), send(), send(), send()]);
    const report = (await (await fetch(`${first.base}/rss`)).json()) as {
      peak: number;
      heapUsed: number;
      external: number;
      stats: { accepted: number; rejected: Record<string, number>; livePages: number };
    };
    const peakMiB = report.peak / 2 ** 20;
    console.log(
      `[flood] ${EVENTS} events: peak RSS ${peakMiB.toFixed(0)} MiB, heap after gc ${(report.heapUsed / 2 ** 20).toFixed(0)} MiB, external ${(report.external / 2 ** 20).toFixed(0)} MiB, accepted ${report.stats.accepted}, rejected ${JSON.stringify(report.stats.rejected)}`,
    );
    expect(peakMiB).toBeLessThan(RSS_BOUND_MIB);
    expect(report.heapUsed / 2 ** 20).toBeLessThan(RETAINED_BOUND_MIB);
    expect(report.stats.accepted).toBe(10_000); // the default page budget of the one (default) site
    expect(report.stats.rejected.cardinality).toBe(EVENTS - 10_000);
    expect(await stop(first.child)).toBe(0);

    // The restart re-reads the journal (memory storage) through the same budget.
    const second = await start(512);
    expect(second.recovered).toBe(10_000);
    const after = (await (await fetch(`${second.base}/rss`)).json()) as { peak: number };
    expect(after.peak / 2 ** 20).toBeLessThan(RSS_BOUND_MIB);
    expect(await stop(second.child)).toBe(0);
  });
});
