/**
 * The single-writer lock: `<dir>/LOCK` holds the owner's record (pid, host name, start time and
 * a random token). A second writer is refused with {@link JournalLockedError}; a lock whose
 * process is gone (same host, `kill(pid, 0)` → ESRCH) is stale and taken over.
 *
 * Why exactly one process wins, also when several race to take over a stale lock:
 *
 * - **Taking a free lock** is one `link(temp, LOCK)`: the record is first written (and fsynced)
 *   to a temp file with a unique name, then hard-linked as `LOCK`. `link(2)` creates the name only
 *   if it does not exist and fails with EEXIST otherwise, in one step, so of N racers exactly one
 *   gets `LOCK`, and `LOCK` is never seen half-written.
 * - **Breaking a stale lock** takes two steps (remove `LOCK`, then link a new one), so it must
 *   not be done by whoever judged it stale: between the judgement and the removal, another racer
 *   may have replaced the stale file with its own live lock, and removing that makes two owners
 *   (the bug of renaming the stale file aside and checking afterwards). So the right to remove one
 *   particular stale file is taken first, with the same atomic `link`: the claim
 *   `LOCK.break-<id>`, where `<id>` hashes that file's identity (device, inode and content). Only
 *   the claim's holder removes `LOCK`, and only after checking that `LOCK` still is that file.
 *   Nothing else can remove it meanwhile (its owner is dead, and removing it needs the claim we
 *   hold), and nothing can replace it while it exists, so the check and the removal cannot be
 *   separated by a change. A claim is given up only once that file is gone (or was found gone).
 *   Then every racer competes for `LOCK` again through `link`.
 * - **A claim left by a racer that died** holding it is itself a record with a dead pid, and is
 *   broken the same way (by a claim on the claim).
 *
 * Where this is not atomic: filesystems without POSIX `link` semantics. On those without hard
 * links (FAT/exFAT, some FUSE and SMB mounts) `link` fails with EPERM/ENOTSUP and the lock falls
 * back to `open(LOCK, O_CREAT | O_EXCL)`, atomic on local filesystems but with a moment where
 * `LOCK` is empty (treated as held for {@link GARBLED_LOCK_GRACE_MS}). On NFS, exclusive creation
 * is only atomic from NFSv3 on and `link` is only reliable when its result is re-checked, caching
 * can hide a fresh lock for a while, and `kill(pid, 0)` says nothing about a process on another
 * client (so only same-host locks are ever judged stale); give each host its own local directory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, open, readdir, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JournalLockedError } from './errors';
import { errnoCode } from './fs-utils';

/** File name of the lock inside a journal directory. */
export const LOCK_FILE = 'LOCK';

/** Prefix of a claim on the right to remove one stale lock file (see the module comment). */
const BREAK_PREFIX = `${LOCK_FILE}.break-`;

/** A lock file whose content cannot be parsed is only judged stale after this long (a writer may be mid-write). */
const GARBLED_LOCK_GRACE_MS = 10_000;

/** How long to wait for another process that is breaking the same stale lock before giving up. */
const TAKEOVER_TIMEOUT_MS = 5_000;

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

/** A lock or claim file as read: its content and the identity of the file it was read from (internal). */
export interface LockRecord {
  owner: LockOwner | null;
  text: string;
  /** Device and inode, read from the same open file as the text. */
  identity: string;
  mtimeMs: number;
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
function isStaleOwner(o: LockOwner, host: string): boolean {
  if (o.hostname !== host) return false;
  if (o.pid === process.pid) return o.startedAt < PROCESS_STARTED_AT - 100;
  return !isAlive(o.pid);
}

function isStale(r: LockRecord, host: string): boolean {
  return r.owner ? isStaleOwner(r.owner, host) : Date.now() - r.mtimeMs > GARBLED_LOCK_GRACE_MS;
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

/** Reads a lock or claim file, or null when it does not exist. Exported for tests. */
export async function readRecord(path: string): Promise<LockRecord | null> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
  try {
    const st = await fh.stat({ bigint: true });
    const text = await fh.readFile('utf8');
    return { owner: parseOwner(text), text, identity: `${st.dev}:${st.ino}`, mtimeMs: Number(st.mtimeMs) };
  } finally {
    await fh.close();
  }
}

/** True when two reads saw the same file with the same content. */
function sameFile(a: LockRecord, b: LockRecord): boolean {
  return a.identity === b.identity && a.text === b.text;
}

/** The claim that gives the right to remove the file `r` was read from. Exported for tests. */
export function claimPath(dir: string, r: LockRecord): string {
  const id = createHash('sha256').update(`${r.identity}\n${r.text}`).digest('hex').slice(0, 32);
  return join(dir, `${BREAK_PREFIX}${id}`);
}

let tempCounter = 0;

/** `link` failing with one of these means the filesystem has no hard links: fall back to O_EXCL. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Creates `path` holding `text` if it does not exist, atomically: true when created, false when
 * it already existed. See the module comment for why `link` and not `open(…, 'wx')`.
 */
async function createExclusive(dir: string, path: string, text: string, token: string): Promise<boolean> {
  const temp = join(dir, `${LOCK_FILE}.${token}-${++tempCounter}.tmp`);
  const fh = await open(temp, 'wx');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') return false;
    if (code === undefined || !NO_HARD_LINKS.has(code)) throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return createWithOExcl(path, text);
}

/** The fallback for filesystems without hard links: exclusive create, then write. */
async function createWithOExcl(path: string, text: string): Promise<boolean> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'wx');
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return true;
}

/**
 * Removes the stale file at `path` (as read in `judged`) if it is still that file, holding the
 * claim on it. 'retry' when the caller should look at `path` again; 'busy' when a live process
 * holds the claim (it is removing the file right now).
 */
async function breakStale(
  dir: string,
  path: string,
  judged: LockRecord,
  me: LockOwner,
  host: string,
  depth: number,
): Promise<'retry' | 'busy'> {
  const claim = claimPath(dir, judged);
  const mine = JSON.stringify({ ...me, startedAt: Date.now() });
  if (!(await createExclusive(dir, claim, mine, me.token))) {
    const holder = await readRecord(claim);
    if (!holder) return 'retry'; // given up meanwhile
    if (!isStale(holder, host)) return 'busy';
    // The claim's holder died while holding it: break the claim the same way (bounded, in case
    // claims keep dying), then look again.
    if (depth < 3) await breakStale(dir, claim, holder, me, host, depth + 1);
    return 'retry';
  }
  try {
    const now = await readRecord(path);
    // Only the claim's holder may remove this file, so it cannot change between this check and the unlink.
    if (now && sameFile(now, judged)) await unlink(path);
  } finally {
    await unlink(claim).catch(() => undefined);
  }
  return 'retry';
}

function lockedError(path: string, r: LockRecord, host: string): InstanceType<typeof JournalLockedError> {
  const o = r.owner;
  const who = o
    ? `process ${o.pid} on host "${o.hostname}" (since ${new Date(o.startedAt).toISOString()})`
    : 'a process that is still writing it';
  const hint =
    o && o.hostname !== host
      ? `if that process is gone, delete ${path}`
      : 'close the other journal first, or give this one its own directory';
  return new JournalLockedError(`journal directory is locked by ${who}: ${path}; ${hint}`);
}

/** Takes the lock of `dir` or throws {@link JournalLockedError}. */
export async function acquireLock(dir: string): Promise<JournalLock> {
  const path = join(dir, LOCK_FILE);
  const host = hostname();
  const owner: LockOwner = {
    pid: process.pid,
    hostname: host,
    startedAt: Date.now(),
    token: randomBytes(8).toString('hex'),
  };
  const text = JSON.stringify(owner);
  const deadline = Date.now() + TAKEOVER_TIMEOUT_MS;
  for (;;) {
    if (await createExclusive(dir, path, text, owner.token)) {
      await sweepLeftovers(dir, host);
      return { path, owner, release: () => releaseLock(path, owner) };
    }
    const current = await readRecord(path);
    if (!current) continue; // released meanwhile: race for it again
    if (!isStale(current, host)) throw lockedError(path, current, host);
    const outcome = await breakStale(dir, path, current, owner, host, 0);
    if (outcome === 'busy') {
      if (Date.now() > deadline) {
        throw new JournalLockedError(
          `could not take over the stale lock ${path}: another process keeps holding the claim to remove it (${claimPath(dir, current)}); if no such process runs, delete both files`,
        );
      }
      // Its holder needs a few file operations; then the lock is either free or taken.
      await sleep(1 + Math.random() * 4);
    }
  }
}

/**
 * Removes what dead racers left behind: temp files and claims whose process is gone, and the
 * `LOCK.stale-*` files of the previous takeover scheme. Best effort: a failure here never costs
 * the lock.
 */
async function sweepLeftovers(dir: string, host: string): Promise<void> {
  let files: string[];
  try {
    files = await readdir(dir);
  } catch {
    return;
  }
  for (const file of files) {
    const leftover =
      file.startsWith(BREAK_PREFIX) ||
      file.startsWith(`${LOCK_FILE}.stale-`) ||
      (file.startsWith(`${LOCK_FILE}.`) && file.endsWith('.tmp'));
    if (!leftover) continue;
    try {
      const r = await readRecord(join(dir, file));
      if (r && (file.startsWith(`${LOCK_FILE}.stale-`) || isStale(r, host))) await unlink(join(dir, file));
    } catch {
      // gone meanwhile, or unreadable: leave it
    }
  }
}

async function releaseLock(path: string, owner: LockOwner): Promise<void> {
  const current = await readRecord(path);
  // No one else removes or replaces a live owner's LOCK, so checking first is safe.
  if (current?.owner?.token === owner.token) await unlink(path).catch(() => undefined);
}

/**
 * The live process holding the lock of `dir`, or `null` when it is unlocked or its lock is stale
 * (for tools such as replay, which must not merge a live writer's uncut tail).
 */
export async function lockOwner(dir: string): Promise<LockOwner | null> {
  const current = await readRecord(join(dir, LOCK_FILE));
  if (!current?.owner) return null;
  return isStaleOwner(current.owner, hostname()) ? null : current.owner;
}
