/**
 * Racing takeover of a dead writer's lock, with real processes: RACERS children (long-lived, so a
 * trial costs no process start-up) all open the same journal directory in the same millisecond,
 * over a LOCK naming a pid that no longer exists. Every trial must end with exactly one owner and
 * every other racer refused with JOURNAL_LOCKED; owners hold the lock until all racers answered,
 * so two owners in one trial are two owners at the same time.
 *
 * The default is the 8 racers × 100 trials (about 7 s on 2 cores); `MT_LONG=1` runs 300 (20–30 s).
 */
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, PACKAGE_DIR } from './build-dist';
import { tempDir } from './helpers';

const RACERS = 8;
const TRIALS = process.env.MT_LONG === '1' ? 300 : 100;
const RACER = join(PACKAGE_DIR, 'test', 'fixtures', 'lock-racer.mjs');

interface Reply {
  type: 'ready' | 'won' | 'locked' | 'error' | 'released';
  overlap?: boolean;
  message?: string;
}

/** A racer process and a way to send it one request at a time. */
interface Racer {
  child: ChildProcess;
  next: () => Promise<Reply>;
}

function startRacer(): Racer {
  // No execArgv: the racer runs the built package, not vitest's source-condition loader.
  const child = fork(RACER, [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const queue: Reply[] = [];
  const waiting: ((r: Reply) => void)[] = [];
  const deliver = (m: Reply) => {
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  };
  child.on('message', deliver);
  child.on('exit', (code) => deliver({ type: 'error', message: `racer exited with code ${code}` }));
  const next = () =>
    new Promise<Reply>((resolve) => {
      const q = queue.shift();
      if (q) resolve(q);
      else waiting.push(resolve);
    });
  return { child, next };
}

/** The pid of a process that has exited (spawned here and waited for). */
function deadPid(): number {
  for (;;) {
    const pid = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    if (!isAlive(Number(pid))) return Number(pid);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

let racers: Racer[] = [];

beforeAll(async () => {
  ensureBuilt();
  racers = Array.from({ length: RACERS }, startRacer);
  for (const r of racers) expect((await r.next()).type).toBe('ready');
}, 120_000);

afterAll(() => {
  for (const r of racers) r.child.kill('SIGKILL');
});

describe('lock takeover race', () => {
  it(`${RACERS} processes racing for a dead writer's lock: exactly one owner in each of ${TRIALS} trials`, async () => {
    let dead = deadPid();
    const outcomes = { trials: 0, oneOwner: 0, twoOrMoreOwners: 0, noOwner: 0, markerOverlaps: 0 };
    const errors: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      if (isAlive(dead)) dead = deadPid(); // the pid was reused meanwhile: pick another
      const t = tempDir();
      try {
        const stale = { pid: dead, hostname: hostname(), startedAt: Date.now() - 60_000, token: 'dead' };
        writeFileSync(join(t.dir, 'LOCK'), JSON.stringify(stale));
        const at = Date.now() + 25;
        for (const r of racers) r.child.send({ type: 'race', dir: t.dir, at });
        const replies = await Promise.all(racers.map((r) => r.next()));
        const won = replies.filter((r) => r.type === 'won');
        outcomes.trials++;
        if (won.length === 1) outcomes.oneOwner++;
        else if (won.length === 0) outcomes.noOwner++;
        else outcomes.twoOrMoreOwners++;
        outcomes.markerOverlaps += won.filter((r) => r.overlap).length;
        for (const r of replies) if (r.type === 'error') errors.push(`trial ${trial}: ${r.message}`);
        for (const r of racers) r.child.send({ type: 'release' });
        await Promise.all(racers.map((r) => r.next()));
      } finally {
        t.cleanup();
      }
    }
    expect({ outcomes, errors }).toEqual({
      outcomes: { trials: TRIALS, oneOwner: TRIALS, twoOrMoreOwners: 0, noOwner: 0, markerOverlaps: 0 },
      errors: [],
    });
  }, 60_000);
});
