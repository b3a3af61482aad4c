/**
 * The single-writer lock: `<dir>/LOCK`, created exclusively (`wx`) and holding the owner's pid,
 * host name and start time. A second writer is refused with {@link JournalLockedError}; a lock
 * whose process is gone (same host, `kill(pid, 0)` → ESRCH) is stale and taken over.
 *
 * Takeover renames the stale file away first, so of two processes racing for a stale lock only
 * one wins the rename; the winner then checks it renamed the file it judged stale.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { JournalLockedError } from './errors';
import { errnoCode } from './fs-utils';

/** File name of the lock inside a journal directory. */
export const LOCK_FILE = 'LOCK';

/** A lock file whose content cannot be parsed is only judged stale after this long (a writer may be mid-write). */
const GARBLED_LOCK_GRACE_MS = 10_000;

/** What a lock file records about its owner. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** When the owner took the lock (epoch ms). */
  startedAt: number;
  /** Random token so an owner only ever removes its own lock. */
  token: string;
}

/** A held lock; {@link release} removes the file if it is still ours. */
export interface JournalLock {
  readonly path: string;
  readonly owner: LockOwner;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return errnoCode(err) !== 'ESRCH';
  }
}

/** When this process started (epoch ms), to tell our own locks from those of a dead process that had our pid. */
const PROCESS_STARTED_AT = Date.now() - process.uptime() * 1000;

/**
 * A lock is stale when its process is gone. Only judged on the same host. A lock with our own
 * pid is ours only if taken after this process started: containers often reuse the same pid
 * (even pid 1) across restarts, and such a leftover must not lock us out forever.
 */
function isStale(o: LockOwner, host: string): boolean {
  if (o.hostname !== host) return false;
  if (o.pid === process.pid) return o.startedAt < PROCESS_STARTED_AT - 100;
  return !isAlive(o.pid);
}

function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as LockOwner;
    if (Number.isInteger(o.pid) && o.pid > 0 && typeof o.hostname === 'string') return o;
  } catch {
    // garbled: handled by the caller
  }
  return null;
}

async function readOwner(
  path: string,
): Promise<{ owner: LockOwner | null; text: string; mtimeMs: number } | null> {
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { owner: parseOwner(text), text, mtimeMs: st.mtimeMs };
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
}

/** Takes the lock of `dir` or throws {@link JournalLockedError}. */
export async function acquireLock(dir: string): Promise<JournalLock> {
  const path = join(dir, LOCK_FILE);
  const owner: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: Date.now(),
    token: randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(JSON.stringify(owner));
        await fh.sync();
      } finally {
        await fh.close();
      }
      return { path, owner, release: () => releaseLock(path, owner) };
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    const current = await readOwner(path);
    if (!current) continue; // removed meanwhile: try again
    const o = current.owner;
    const stale = o ? isStale(o, owner.hostname) : Date.now() - current.mtimeMs > GARBLED_LOCK_GRACE_MS;
    if (!stale) {
      const who = o
        ? `process ${o.pid} on host "${o.hostname}" (since ${new Date(o.startedAt).toISOString()})`
        : 'a process that is still writing it';
      const hint =
        o && o.hostname !== owner.hostname
          ? `if that process is gone, delete ${path}`
          : 'close the other journal first, or give this one its own directory';
      throw new JournalLockedError(`journal directory is locked by ${who}: ${path}; ${hint}`);
    }
    const aside = `${path}.stale-${process.pid}-${owner.token}`;
    try {
      await rename(path, aside);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue; // another process took it over first
      throw err;
    }
    const moved = await readFile(aside, 'utf8').catch(() => '');
    if (moved !== current.text) {
      // We moved a lock another process had just taken over: put it back and report it as locked.
      await link(aside, path).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      continue;
    }
    await unlink(aside).catch(() => undefined);
  }
  throw new JournalLockedError(
    `could not take the lock ${path} after 5 attempts (other processes keep racing for it)`,
  );
}

async function releaseLock(path: string, owner: LockOwner): Promise<void> {
  const current = await readOwner(path);
  if (current?.owner?.token === owner.token) await unlink(path).catch(() => undefined);
}

/**
 * The live process holding the lock of `dir`, or `null` when it is unlocked or its lock is stale
 * (for tools such as replay, which must not merge a live writer's uncut tail).
 */
export async function lockOwner(dir: string): Promise<LockOwner | null> {
  const current = await readOwner(join(dir, LOCK_FILE));
  if (!current?.owner) return null;
  return isStale(current.owner, hostname()) ? null : current.owner;
}
