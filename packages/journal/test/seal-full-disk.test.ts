/**
 * A seal on a full disk, for real: the journal runs in a child process with a 1 MiB tmpfs of its
 * own (a user + mount namespace, `unshare -U -r -m`, so no root is needed where unprivileged user
 * namespaces are allowed). Skipped where they are not (macOS, Windows, locked-down kernels).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, PACKAGE_DIR } from './build-dist';
import { tempDir } from './helpers';

const FIXTURE = join(PACKAGE_DIR, 'test', 'fixtures', 'seal-full-disk.mjs');
const MOUNT_AND_RUN = 'mount -t tmpfs -o size=1m tmpfs "$1" && shift && exec "$@"';

function inOwnTmpfs(mountPoint: string, ...command: string[]) {
  return spawnSync('unshare', ['-U', '-r', '-m', 'sh', '-c', MOUNT_AND_RUN, 'sh', mountPoint, ...command], {
    encoding: 'utf8',
    timeout: 30_000,
  });
}

const probe = tempDir();
const canMount = process.platform === 'linux' && inOwnTmpfs(probe.dir, 'true').status === 0;
probe.cleanup();
if (!canMount && process.env.MT_REQUIRE_TMPFS === '1')
  throw new Error('MT_REQUIRE_TMPFS=1 but `unshare -U -r -m` cannot mount a tmpfs here');

beforeAll(() => ensureBuilt(), 120_000);

describe('seal on a full disk', () => {
  it.skipIf(!canMount)(
    'reports the failure, leaves the raw segment and no temp file, and seals on the next open',
    () => {
      const t = tempDir();
      try {
        const r = inOwnTmpfs(t.dir, process.execPath, FIXTURE, t.dir);
        expect(r.stderr).toBe('');
        const out = JSON.parse(r.stdout) as {
          errors: { code: string; message: string }[];
          sealErrors: number;
          afterFailedSeal: string[];
          afterReopen: string[];
          read: number;
          ok: boolean;
          events: number;
        };
        expect(out.sealErrors).toBe(1);
        expect(out.errors).toEqual([
          {
            code: 'JOURNAL_SEAL_FAILED',
            message: expect.stringMatching(/disk is full.*raw segment stays in place/),
          },
        ]);
        // The raw segment and the writer id; no .tmp, no partial .mtj.gz.
        expect(out.afterFailedSeal).toEqual([expect.stringMatching(/^\d{8}T\d{9}Z-\d{10}\.mtj$/), 'WRITER']);
        expect(out.afterReopen).toEqual([expect.stringMatching(/^\d{8}T\d{9}Z-\d{10}\.mtj\.gz$/), 'WRITER']);
        expect(out).toMatchObject({ read: 4000, ok: true, events: 4000 });
      } finally {
        t.cleanup();
      }
    },
    30_000,
  );
});
