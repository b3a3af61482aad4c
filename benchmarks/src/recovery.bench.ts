/**
 * Recovery area: how long a restart after a kill takes as a function of the unconfirmed journal
 * (target ≤ 1 s per 1 M unconfirmed events), and its peak RSS. For each N a writer process
 * journals N events with no merge ever confirmed and kills itself with SIGKILL; a fresh process
 * then does what `createTracker` does at start — `openJournal`, `new Pipeline({ journal, storage,
 * startPosition: recoveryStart(journal, storage) })`, `recover()` — plus `flush()` until
 * MemoryStorage holds every delta. The floor, in its own process: reading the same journal with
 * `readJournalFrames` and doing nothing with the events. Each recovery is checked against the same
 * events ingested live (every stored index equal) before its time is reported.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BenchArea,
  check,
  formatBytes,
  formatMs,
  formatRate,
  formatRatio,
  markdownTable,
  verdict,
} from './harness.ts';

const SIZES = (process.env.MT_BENCH_RECOVERY_SIZES ?? '100000,1000000,3000000').split(',').map(Number);
const TARGET_MS_PER_MILLION = 1000;
const here = dirname(fileURLToPath(import.meta.url));

/** Runs one role of `recovery.fixture.ts` in a fresh process and resolves with its report. */
function runRole<T>(args: string[], expectKill = false): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, 'recovery.fixture.ts'), args, {
      execArgv: ['--import', 'tsx', '--max-old-space-size=16384'],
      cwd: join(here, '..'),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let report: T | undefined;
    child.on('message', (m) => {
      report = m as T;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (report === undefined)
        reject(new Error(`recovery ${args[0]} exited (${code ?? signal}) without a report`));
      else if (expectKill && signal !== 'SIGKILL')
        reject(new Error(`the writer was not killed (${code ?? signal})`));
      else if (!expectKill && code !== 0)
        reject(new Error(`recovery ${args[0]} exited with ${code ?? signal}`));
      else resolve(report);
    });
  });
}

interface Written {
  events: number;
  position: number;
  now: number;
  ms: number;
  peakRss: number;
}
interface Read {
  events: number;
  cuts: number;
  ms: number;
  peakRss: number;
  baseRss: number;
}
interface Recovered {
  events: number;
  journalEvents: number;
  openMs: number;
  recoverMs: number;
  flushMs: number;
  totalMs: number;
  complete: boolean;
  merges: number;
  entries: number;
  calls: number;
  mergeMs: number;
  storedKeys: number;
  oracleKeys: number;
  mismatches: number;
  peakRss: number;
  baseRss: number;
}

function dirBytes(dir: string): number {
  let sum = 0;
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    const s = statSync(join(dir, f));
    if (s.isFile()) sum += s.size;
  }
  return sum;
}

const area: BenchArea = {
  name: 'recovery',
  title: 'Recovery after a kill: unconfirmed journal → storage',
  async run() {
    const rows: (string | number)[][] = [];
    const phaseRows: (string | number)[][] = [];
    let cuts = 0;
    for (const n of SIZES) {
      const dir = mkdtempSync(join(tmpdir(), 'mt-bench-recovery-'));
      try {
        console.log(`recovery: writing ${n.toLocaleString('en')} events`);
        const written = await runRole<Written>(['write', dir, String(n)], true);
        check(
          written.events === n && written.position === n,
          `the writer journaled ${n} events (${written.position})`,
        );
        const bytes = dirBytes(dir);
        console.log(`recovery: reading (floor) and recovering ${n.toLocaleString('en')} events`);
        const read = await runRole<Read>(['read', dir]);
        check(read.events === n, `the floor read ${read.events} events, expected ${n}`);
        cuts = read.cuts;
        const r = await runRole<Recovered>(['recover', dir, String(written.now)]);
        check(r.events === n && r.journalEvents === n, `recovered ${r.events} of ${n} events`);
        check(r.complete, 'the flush after recovery merged every delta');
        check(
          r.mismatches === 0 && r.storedKeys === r.oracleKeys,
          `recovered storage equals live ingest of the same events (${r.mismatches} keys differ, ${r.storedKeys} vs ${r.oracleKeys} keys)`,
        );
        const msPerMillion = (r.totalMs / n) * 1e6;
        rows.push([
          n.toLocaleString('en'),
          formatBytes(bytes),
          formatMs(r.totalMs),
          formatRate((n * 1000) / r.totalMs),
          `${formatMs(msPerMillion)}: ${verdict(msPerMillion <= TARGET_MS_PER_MILLION)}`,
          `${formatMs(read.ms)} (${formatRate((n * 1000) / read.ms)})`,
          formatRatio(r.totalMs / read.ms),
          `${formatBytes(r.peakRss)} (+${formatBytes(r.peakRss - r.baseRss)})`,
          `${formatBytes(read.peakRss)} (+${formatBytes(read.peakRss - read.baseRss)})`,
        ]);
        phaseRows.push([
          n.toLocaleString('en'),
          formatMs(r.openMs),
          formatMs(r.recoverMs),
          formatMs(r.flushMs),
          `${r.entries.toLocaleString('en')} in ${r.calls.toLocaleString('en')}`,
          formatMs(r.mergeMs),
          r.storedKeys.toLocaleString('en'),
          `${formatMs(written.ms)} (${formatRate((n * 1000) / written.ms)})`,
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    return [
      `Each size in three fresh processes: a writer (N seeded events, 300 urls, clicks and scrolls, appended in batches of 20 with a cut every 50,000 events — a tracker at 10,000 events/s on its 5 s flush interval — fsynced, then SIGKILL: no close, no seal, no merge confirmed), the floor (\`readJournalFrames\` over the journal, events counted and dropped), and the recovery (\`openJournal\` + \`new Pipeline({ journal, storage: MemoryStorage, startPosition: recoveryStart(journal, storage) })\` + \`recover()\` + \`flush()\`). Each recovery is checked before it is reported: every event recovered, and every stored index equal to the same events ingested live by a journal-less pipeline. Peak RSS is the process's \`maxRSS\` (taken before the check), beside its RSS after imports.`,
      `### Recovery time\n\n${markdownTable(
        [
          'unconfirmed events',
          'journal on disk',
          'recovery (open + recover + flush)',
          'events/s',
          `per 1 M events (target ≤ ${formatMs(TARGET_MS_PER_MILLION)})`,
          'floor: read the frames only',
          'recovery ÷ floor',
          'recovery peak RSS (+ over imports)',
          'floor peak RSS',
        ],
        rows,
      )}`,
      `### Phases\n\n${markdownTable(
        [
          'unconfirmed events',
          'openJournal + Pipeline',
          'recover()',
          'flush()',
          'entries (day + month key per delta) in merge calls',
          'time inside MemoryStorage.merge',
          'stored keys',
          'writer: journal append (for scale)',
        ],
        phaseRows,
      )}\n\nThe largest journal held ${cuts} cuts; recovery cuts where the writer cut, so it merges the same deltas the writer would have (exactly once per writer and position).`,
    ].join('\n\n');
  },
};

export default area;
