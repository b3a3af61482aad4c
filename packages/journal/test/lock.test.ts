import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { JournalLockedError, openJournal } from '../src/index';
import { claimPath, readRecord } from '../src/journal-lock';
import { ensureBuilt, PACKAGE_DIR } from './build-dist';
import { eventsFrom, readAll, testDir } from './helpers';

beforeAll(() => ensureBuilt(), 120_000);

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('lock', () => {
  it('refuses a second writer on the same directory, then lets it in after close', async () => {
    const d = testDir();
    const first = await openJournal({ dir: d });
    const err = await openJournal({ dir: d }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JournalLockedError);
    expect((err as InstanceType<typeof JournalLockedError>).code).toBe('JOURNAL_LOCKED');
    expect((err as Error).message).toContain(`process ${process.pid}`);
    expect((err as Error).message).toContain(join(d, 'LOCK'));
    first.append(eventsFrom(0, 10));
    await first.close();
    const second = await openJournal({ dir: d });
    second.append(eventsFrom(10, 10));
    await second.close();
    expect(await readAll({ dir: d })).toEqual(eventsFrom(0, 20));
  });

  it('refuses a writer while another live process holds the lock; takes it over once that process is killed', async () => {
    const d = testDir();
    const child = spawn(process.execPath, [join(PACKAGE_DIR, 'test', 'fixtures', 'hold-lock.mjs'), d], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (b: Buffer) => b.toString().includes('locked') && resolve()),
    );
    await expect(openJournal({ dir: d })).rejects.toThrow(`process ${child.pid}`);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    const journal = await openJournal({ dir: d });
    await journal.close();
  }, 20_000);

  it('takes over a stale lock file left by a dead process', async () => {
    const d = testDir();
    writeFileSync(
      join(d, 'LOCK'),
      JSON.stringify({ pid: deadPid(), hostname: hostname(), startedAt: 1, token: 'x' }),
    );
    const journal = await openJournal({ dir: d });
    await journal.close();
  });

  it('takes over a lock left by an earlier process that had our pid (containers reuse pids)', async () => {
    const d = testDir();
    writeFileSync(
      join(d, 'LOCK'),
      JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: 1, token: 'x' }),
    );
    const journal = await openJournal({ dir: d });
    await expect(openJournal({ dir: d })).rejects.toThrow(JournalLockedError);
    await journal.close();
  });

  it('respects a lock from another host and a freshly garbled lock', async () => {
    const d = testDir();
    writeFileSync(
      join(d, 'LOCK'),
      JSON.stringify({ pid: deadPid(), hostname: 'elsewhere', startedAt: 1, token: 'x' }),
    );
    await expect(openJournal({ dir: d })).rejects.toThrow(/host "elsewhere".*delete/);
    writeFileSync(join(d, 'LOCK'), '{"pid":');
    await expect(openJournal({ dir: d })).rejects.toThrow(JournalLockedError);
  });
});

describe('lock takeover leftovers', () => {
  it('takes over a stale lock whose claim was left by a racer that died holding it', async () => {
    const d = testDir();
    const dead = deadPid();
    const lockPath = join(d, 'LOCK');
    writeFileSync(lockPath, JSON.stringify({ pid: dead, hostname: hostname(), startedAt: 1, token: 'x' }));
    // A racer judged LOCK stale, took the claim to remove it, and died before removing it.
    const claim = claimPath(d, (await readRecord(lockPath))!);
    writeFileSync(claim, JSON.stringify({ pid: deadPid(), hostname: hostname(), startedAt: 2, token: 'y' }));
    const journal = await openJournal({ dir: d });
    expect((await readRecord(lockPath))?.owner?.pid).toBe(process.pid);
    // The dead racer's claim and temp files are swept; only our lock stays.
    expect(readdirSync(d).filter((f) => f.startsWith('LOCK'))).toEqual(['LOCK']);
    await journal.close();
    expect(readdirSync(d).filter((f) => f.startsWith('LOCK'))).toEqual([]);
  });

  it('waits for a live process holding the claim, and never removes the lock under it', async () => {
    const d = testDir();
    const lockPath = join(d, 'LOCK');
    writeFileSync(
      lockPath,
      JSON.stringify({ pid: deadPid(), hostname: hostname(), startedAt: 1, token: 'x' }),
    );
    // A live process (this one, started before the claim) is breaking the lock and has not finished yet.
    const claim = claimPath(d, (await readRecord(lockPath))!);
    writeFileSync(
      claim,
      JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: Date.now(), token: 'z' }),
    );
    const opening = openJournal({ dir: d });
    await new Promise((r) => setTimeout(r, 50));
    // Still the stale lock: the claim's holder is the only one allowed to remove it.
    expect((await readRecord(lockPath))?.owner?.token).toBe('x');
    // The claim's holder removes the stale lock and gives the claim up; the waiter takes it.
    unlinkSync(lockPath);
    unlinkSync(claim);
    const journal = await opening;
    expect((await readRecord(lockPath))?.owner?.pid).toBe(process.pid);
    await journal.close();
  });
});
