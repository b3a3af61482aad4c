import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createTracker } from 'monkeytracker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, PACKAGE_DIR } from './build-dist';

const NOW = Date.UTC(2024, 5, 10, 12);
const dir = mkdtempSync(join(tmpdir(), 'mt-restart-'));
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function eventOf(n: number) {
  return { url: `/p${n % 5}`, x: (n * 37) % 1200, y: (n * 91) % 3000 };
}

/** Runs the crash-tracker child until it reports `atLeast` durable events, then SIGKILLs it. */
function runAndKill(journalDir: string, atLeast: number): Promise<number> {
  const child = spawn(process.execPath, [join(PACKAGE_DIR, 'test/fixtures/crash-tracker.mjs'), journalDir], {
    cwd: PACKAGE_DIR,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let durable = 0;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^durable (\d+)/.exec(line);
      if (!m) return;
      durable = Number(m[1]);
      if (durable >= atLeast) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve(durable) : reject(new Error(`child exited with ${code}`)),
    );
  });
}

describe('embedded default: MemoryStorage + journal survives SIGKILL', () => {
  it('counts every event fsynced before the kill exactly once after a restart, three times over', async () => {
    const journalDir = join(dir, 'journal');
    let before = 0;
    for (let round = 0; round < 3; round++) {
      // The child replays the earlier rounds on start, then adds its own; it reports its own durable count.
      const durable = await runAndKill(journalDir, 20_000);
      const tracker = await createTracker({ journal: { dir: journalDir }, now: () => NOW });
      const replayed = tracker.stats().recoveredOnStart;
      // Every fsynced event is back; events written but not yet fsynced may be back too.
      expect(replayed).toBeGreaterThanOrEqual(before + durable);
      // Each child starts its numbering at 0, so the journal holds a prefix of every run; count per url exactly.
      let total = 0;
      for (let u = 0; u < 5; u++) {
        const h = await tracker.query({
          url: `/p${u}`,
          kind: 'click',
          vw: 1280,
          from: '2024-06-01',
          to: '2024-06-30',
        });
        total += h.total;
      }
      expect(total).toBe(replayed);
      await tracker.close();
      before = replayed;
    }
  });

  it('the replayed cells equal a naive count over the replayed prefix', async () => {
    const journalDir = join(dir, 'cells');
    await runAndKill(journalDir, 10_000);
    const tracker = await createTracker({ journal: { dir: journalDir }, now: () => NOW });
    const n = tracker.stats().recoveredOnStart;
    const naive = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const e = eventOf(i);
      if (e.url !== '/p3') continue;
      const k = `${Math.floor(e.x / 10) * 10},${Math.floor(e.y / 10) * 10}`;
      naive.set(k, (naive.get(k) ?? 0) + 1);
    }
    const h = await tracker.query({
      url: '/p3',
      kind: 'click',
      vw: 1280,
      from: '2024-06-01',
      to: '2024-06-30',
    });
    expect(new Map(h.cells.map((c) => [`${c.x},${c.y}`, c.count]))).toEqual(naive);
    await tracker.close();
  });
});
