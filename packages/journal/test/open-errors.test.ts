/**
 * A journal directory that cannot be used fails `openJournal` with one error of this package
 * (`JOURNAL_OPEN_FAILED`) naming the path, the system's code and the fix — not a raw `EROFS …
 * open '…/LOCK'`. The read-only case runs in a child with a read-only tmpfs of its own
 * (`unshare -U -r -m`; skipped where user namespaces are not allowed unless MT_REQUIRE_TMPFS=1).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { JournalOpenError, openJournal } from '../src/index';
import { ensureBuilt, PACKAGE_DIR } from './build-dist';

const FIXTURE = join(PACKAGE_DIR, 'test', 'fixtures', 'open-read-only.mjs');
const MOUNT_RO_AND_RUN = 'mount -t tmpfs -o size=1m,ro tmpfs "$1" && shift && exec "$@"';
const inReadOnlyMount = (mountPoint: string, ...command: string[]) =>
  spawnSync('unshare', ['-U', '-r', '-m', 'sh', '-c', MOUNT_RO_AND_RUN, 'sh', mountPoint, ...command], {
    encoding: 'utf8',
    timeout: 30_000,
  });

const probe = mkdtempSync(join(tmpdir(), 'mt-ro-probe-'));
const canMount = process.platform === 'linux' && inReadOnlyMount(probe, 'true').status === 0;
rmSync(probe, { recursive: true, force: true });
if (!canMount && process.env.MT_REQUIRE_TMPFS === '1')
  throw new Error('MT_REQUIRE_TMPFS=1 but `unshare -U -r -m` cannot mount a tmpfs here');

beforeAll(() => ensureBuilt(), 120_000);

describe('openJournal on a directory it cannot use', () => {
  it('a file in the way: JOURNAL_OPEN_FAILED naming the path, ENOTDIR and the fix', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mt-open-'));
    try {
      writeFileSync(join(tmp, 'file'), 'x');
      const error = await openJournal({ dir: join(tmp, 'file', 'journal') }).catch((e: unknown) => e);
      expect(JournalOpenError.is(error)).toBe(true);
      expect((error as Error).message).toMatch(
        /cannot open the journal in .*file\/journal: .*\(ENOTDIR.*\); give the process a writable directory/,
      );
      expect((error as Error).message).not.toContain('\n');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it.skipIf(!canMount)(
    'a read-only file system: JOURNAL_OPEN_FAILED with EROFS, for the mount and below it',
    () => {
      const mount = mkdtempSync(join(tmpdir(), 'mt-ro-'));
      try {
        const r = inReadOnlyMount(mount, process.execPath, FIXTURE, mount);
        expect(r.stderr).toBe('');
        const out = JSON.parse(r.stdout) as { dir: string; code?: string; message?: string }[];
        expect(out).toHaveLength(2);
        for (const o of out) {
          expect(o.code).toBe('JOURNAL_OPEN_FAILED');
          expect(o.message).toMatch(/give the process a writable directory/);
        }
        expect(out[0]!.message).toMatch(/the file system is read-only \(EROFS on .*LOCK/);
      } finally {
        rmSync(mount, { recursive: true, force: true });
      }
    },
  );
});
