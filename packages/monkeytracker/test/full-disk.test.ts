/**
 * A full disk, for real: the tracker server runs in a child process whose journal lives on a
 * 2 MiB tmpfs of its own (`unshare -U -r -m`: a user + mount namespace, no root needed where
 * unprivileged user namespaces are allowed). A client collects until the disk is full and past it.
 *
 * - `onFailure: 'refuse'` (the default): once the journal fails, collect answers 503 with
 *   `Retry-After` and reason `'journal'`; every event answered 202 and not in the journal after
 *   close was answered within `fsyncMs` before the first refusal; no temporary file is left.
 * - `onFailure: 'continue'`: collect keeps answering 202, health is `degraded` with the journal's
 *   reason, and queries count every accepted event.
 *
 * Linux only (skipped elsewhere); CI sets MT_REQUIRE_TMPFS=1 so a missing namespace fails instead.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, PACKAGE_DIR } from './build-dist';

const FIXTURE = join(PACKAGE_DIR, 'test', 'fixtures', 'full-disk-server.mjs');
const MOUNT_AND_RUN = 'mount -t tmpfs -o size=2m tmpfs "$1" && shift && exec "$@"';
const FSYNC_MS = 200;
/** What the tracker may take past `flushTimeoutMs` (1 s in the fixture) to close. */
const CLOSE_BOUND_MS = 1_000 + 500;
const BATCH = 500;

const probeDir = mkdtempSync(join(tmpdir(), 'mt-full-probe-'));
const canMount =
  process.platform === 'linux' &&
  spawnSync('unshare', ['-U', '-r', '-m', 'sh', '-c', MOUNT_AND_RUN, 'sh', probeDir, 'true']).status === 0;
rmSync(probeDir, { recursive: true, force: true });
if (!canMount && process.env.MT_REQUIRE_TMPFS === '1')
  throw new Error('MT_REQUIRE_TMPFS=1 but `unshare -U -r -m` cannot mount a tmpfs here');

beforeAll(() => ensureBuilt(), 120_000);

interface Outcome {
  closeMs: number;
  closeError: { code: string; message: string } | undefined;
  durable: number;
  files: string[];
  errors: Record<string, number>;
  stats: {
    accepted: number;
    unjournaled: number;
    rejected: Record<string, number>;
    health: string;
    healthReasons: string[];
  };
}

function startServer(onFailure: 'refuse' | 'continue') {
  const mount = mkdtempSync(join(tmpdir(), 'mt-full-'));
  const child = spawn(
    'unshare',
    [
      '-U',
      '-r',
      '-m',
      'sh',
      '-c',
      MOUNT_AND_RUN,
      'sh',
      mount,
      process.execPath,
      FIXTURE,
      mount,
      onFailure,
      String(FSYNC_MS),
    ],
    { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const outcome = new Promise<Outcome>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('{')) resolve(JSON.parse(line) as Outcome);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before reporting`)));
  });
  const base = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const m = /^listening (\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
  });
  outcome.catch(() => {});
  return {
    base,
    stop: async (): Promise<Outcome> => {
      (child as ChildProcess).kill('SIGTERM');
      try {
        return await outcome;
      } finally {
        rmSync(mount, { recursive: true, force: true });
      }
    },
  };
}

// Random points (a fixed LCG), so sealed segments compress like real traffic (~7 B per event).
let seed = 42;
const random = (n: number) => {
  seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
  return seed % n;
};
const batch = () =>
  JSON.stringify(
    Array.from({ length: BATCH }, () => ({
      kind: 'click',
      url: `/p${random(7)}`,
      x: random(1280),
      y: random(5000),
      vw: 1280,
      vh: 720,
    })),
  );

describe.skipIf(!canMount)('a full disk under the journal', () => {
  it(`refuses with 503 'journal' once the journal fails; no 202 lost beyond fsyncMs (${FSYNC_MS} ms); no temp files; close within ${CLOSE_BOUND_MS} ms`, async () => {
    const server = startServer('refuse');
    const base = await server.base;
    const acks: { at: number; accepted: number }[] = [];
    let firstRefusal: number | undefined;
    let refusals = 0;
    let health: { status: string; stats?: { healthReasons: string[] } } | undefined;
    // ~7 B per sealed event: 2 MiB hold ~300,000 events; send up to 2,000,000.
    for (let i = 0; i < 4_000 && refusals < 20; i++) {
      const res = await fetch(`${base}/mt/collect`, { method: 'POST', body: batch() });
      const at = performance.now();
      if (res.status === 202) {
        const body = (await res.json()) as { accepted: number; rejected: { reason: string }[] };
        acks.push({ at, accepted: body.accepted });
        for (const r of body.rejected) expect(r.reason).toBe('journal');
      } else {
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(((await res.json()) as { code: string }).code).toBe('OVERLOADED');
        firstRefusal ??= at;
        refusals++;
        if (refusals === 1) health = (await (await fetch(`${base}/mt/health`)).json()) as typeof health;
      }
    }
    const outcome = await server.stop();
    expect(firstRefusal, 'the disk filled and collect refused').toBeDefined();
    expect(health?.status).toBe('overloaded');
    expect(health?.stats?.healthReasons.join()).toMatch(
      /journal failing: JOURNAL_WRITE_FAILED, \d+ events unwritten, new events refused/,
    );
    const accepted = acks.reduce((n, a) => n + a.accepted, 0);
    const lost = accepted - outcome.durable;
    const atRisk = acks.filter((a) => a.at >= firstRefusal! - FSYNC_MS).reduce((n, a) => n + a.accepted, 0);
    if (process.env.MT_REPORT)
      console.log(
        `full disk: ${accepted} answered 202, ${outcome.durable} durable, ${lost} lost, ${atRisk} answered in the last ${FSYNC_MS} ms, close ${outcome.closeMs.toFixed(0)} ms`,
      );
    expect(outcome.stats.accepted).toBe(accepted);
    // Whole batches are refused before their bodies are read (handler.stats().overloaded).
    expect(outcome.stats.health).toBe('overloaded');
    expect(outcome.durable).toBeGreaterThan(100_000);
    expect(
      lost,
      `${lost} of ${accepted} answered events lost; ${atRisk} answered in the last ${FSYNC_MS} ms`,
    ).toBeLessThanOrEqual(atRisk);
    expect(outcome.errors.JOURNAL_WRITE_FAILED).toBeGreaterThan(0);
    expect(outcome.closeMs).toBeLessThan(CLOSE_BOUND_MS);
    expect(outcome.files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 60_000);

  it("keeps counting with onFailure: 'continue': 202, health degraded with the reason, every accepted event in queries", async () => {
    const server = startServer('continue');
    const base = await server.base;
    let accepted = 0;
    let sent = 0;
    type Health = { status: string; stats?: { healthReasons: string[]; unjournaled: number } };
    let degraded = undefined as Health | undefined;
    // Until the disk is full, then 200 batches more (about 4 journal buffers past it).
    for (let i = 0, after = 0; i < 4_000 && after < 200; i++) {
      const res = await fetch(`${base}/mt/collect`, { method: 'POST', body: batch() });
      expect(res.status).toBe(202);
      accepted += ((await res.json()) as { accepted: number }).accepted;
      sent += BATCH;
      if (degraded) after++;
      else if (i % 20 === 19) {
        const h = (await (await fetch(`${base}/mt/health`)).json()) as Health;
        if (h.status !== 'ok') degraded = h;
      }
    }
    expect(accepted).toBe(sent);
    const today = new Date().toISOString().slice(0, 10);
    let counted = 0;
    for (let p = 0; p < 7; p++) {
      const res = await fetch(
        `${base}/mt/heatmap?url=/p${p}&kind=click&vw=1280&from=${today}&to=${today}&top=1`,
      );
      counted += ((await res.json()) as { total: number }).total;
    }
    const outcome = await server.stop();
    expect(degraded?.status).toBe('degraded');
    expect(degraded?.stats?.healthReasons.join()).toMatch(
      /journal failing: JOURNAL_WRITE_FAILED, \d+ events unwritten, new events counted live only/,
    );
    expect(counted).toBe(accepted);
    expect(outcome.stats.unjournaled).toBeGreaterThan(0);
    expect(outcome.stats.rejected.journal).toBeUndefined();
    expect(outcome.closeMs).toBeLessThan(CLOSE_BOUND_MS);
  }, 60_000);
});
