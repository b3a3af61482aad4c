/**
 * The `monkeytracker` bin, run as users run it: the built `dist/cli.js` in a child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyEvent, type HeatEvent } from '@monkeytracker/grid';
import { openJournal } from '@monkeytracker/journal';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLI, ensureBuilt } from './build-dist';

const tmp = mkdtempSync(join(tmpdir(), 'mt-cli-'));
const EVENTS = 5_000;
const T0 = Date.UTC(2024, 5, 10, 8);

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function events(n: number): HeatEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    ...emptyEvent(),
    kind: 'click',
    url: `/page/${i % 5}`,
    x: (i * 37) % 1200,
    y: (i * 53) % 3000,
    vw: 1280,
    vh: 720,
    t: T0 + i * 1000,
    site: 'default',
  }));
}

let journalDir: string;

beforeAll(async () => {
  ensureBuilt();
  journalDir = join(tmp, 'journal');
  const journal = await openJournal({ dir: journalDir, segmentBytes: 16 * 1024 });
  const all = events(EVENTS);
  for (let i = 0; i < all.length; i += 100) journal.append(all.slice(i, i + 100));
  await journal.close();
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('help and usage errors', () => {
  it('prints help for the bin and each command', async () => {
    const main = await run(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/^Usage: monkeytracker <command>/);
    for (const command of ['serve', 'replay', 'verify']) {
      const r = await run([command, '--help']);
      expect(r.code, command).toBe(0);
      expect(r.stdout).toContain(`Usage: monkeytracker ${command}`);
      expect((await run(['help', command])).stdout).toBe(r.stdout);
    }
  });

  it('reports an unknown flag, command or bad value in one line with a hint, exit 2, no stack', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['replay', '--bogus'],
        /^monkeytracker: unknown option '--bogus' \(run monkeytracker replay --help\)\n$/,
      ],
      [
        ['frobnicate'],
        /^monkeytracker: unknown command "frobnicate"; commands: serve, replay, verify \(run monkeytracker --help\)\n$/,
      ],
      [
        ['serve', '--port', 'eighty'],
        /^monkeytracker: --port must be an integer from 0 to 65535, got "eighty" \(run monkeytracker serve --help\)\n$/,
      ],
      [
        ['replay', '--journal', journalDir],
        /^monkeytracker: give exactly one target: --mongodb URI or --memory \(run monkeytracker replay --help\)\n$/,
      ],
      [
        ['replay', '--journal', journalDir, '--memory', '--from', 'yesterday'],
        /--from must be a day YYYY-MM-DD/,
      ],
      [['verify'], /^monkeytracker: --journal DIR is required \(run monkeytracker verify --help\)\n$/],
      [['verify', '--journal', journalDir, 'extra'], /^monkeytracker: unexpected argument 'extra'/],
    ];
    for (const [args, pattern] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(pattern);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('prints failures in one line, exit 1, and the stack only with --debug', async () => {
    const missing = join(tmp, 'nope');
    const r = await run(['verify', '--journal', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`monkeytracker: error: no journal directory at ${missing}\n`);
    const d = await run(['verify', '--journal', missing, '--debug']);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/^monkeytracker: error: no journal directory at .*\nCliError: .*\n\s+at /);
  });
});

describe('verify', () => {
  it('reports segments and events of a sound journal, exit 0', async () => {
    const r = await run(['verify', '--journal', journalDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/segments, [\d,]+ frames, 5,000 events, 0 corrupt frames, 0 bytes skipped/);
    expect(r.stdout).toContain('ok: no corruption');
    const json = JSON.parse((await run(['verify', '--journal', journalDir, '--json'])).stdout);
    expect(json).toMatchObject({ events: EVENTS, corruptFrames: 0, skippedBytes: 0, ok: true });
    expect(json.segments.length).toBeGreaterThanOrEqual(1);
  });

  it('reports corrupt frames, exit 1', async () => {
    const dir = join(tmp, 'corrupt');
    const journal = await openJournal({ dir, compress: false });
    const all = events(1000);
    for (let i = 0; i < all.length; i += 100) {
      journal.append(all.slice(i, i + 100));
      await journal.flush();
    }
    await journal.close();
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.mtj'));
    const path = join(dir, file as string);
    const bytes = readFileSync(path);
    for (let i = bytes.length >> 1; i < (bytes.length >> 1) + 8; i++) bytes[i] = (bytes[i] as number) ^ 0xff;
    writeFileSync(path, bytes);
    const r = await run(['verify', '--journal', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/[1-9]\d* corrupt frames/);
    expect(r.stdout).toContain('corrupt ranges:');
    expect(r.stdout).toContain('CORRUPT');
  });
});

describe('replay', () => {
  it('replays a journal into memory with a summary', async () => {
    const r = await run(['replay', '--journal', journalDir, '--memory']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^replayed 5,000 events from \d+ segments \([\d.]+ MB\) into memory in \d+s \([\d,]+ events\/s\)\n/,
    );
    expect(r.stdout).toContain('accepted 5,000, rejected 0, corrupt ranges 0 (0 bytes skipped)');
    expect(r.stderr).toMatch(/^replaying .* into memory\n/);
  });

  it('limits the replay to --from/--to', async () => {
    // Events are 1 s apart from 08:00 UTC: 08:00:00..08:09:59 is 600 of them.
    const r = await run([
      'replay',
      '--journal',
      journalDir,
      '--memory',
      '--from',
      '2024-06-10T08:00:00Z',
      '--to',
      '2024-06-10T08:10:00Z',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^replayed 600 events/);
    const day = await run([
      'replay',
      '--journal',
      journalDir,
      '--memory',
      '--from',
      '2024-06-10',
      '--to',
      '2024-06-10',
    ]);
    expect(day.stdout).toMatch(/^replayed 5,000 events/);
    const none = await run(['replay', '--journal', journalDir, '--memory', '--to', '2024-06-09']);
    expect(none.stdout).toMatch(/^replayed 0 events/);
  });

  it('fails with exit 1 for a bad time zone', async () => {
    const r = await run(['replay', '--journal', journalDir, '--memory', '--time-zone', 'Mars/Olympus']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(2); // the "replaying" line, then the error
    expect(r.stderr).toMatch(/monkeytracker: error: timeZone: .*\[INVALID_OPTION\]\n$/);
  });
});

describe('serve', () => {
  function start(args: string[]): Promise<{
    child: ChildProcess;
    url: string;
    line: string;
    stdout: () => string;
    exited: Promise<number | null>;
  }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      const exited = new Promise<number | null>((r) => child.on('close', r));
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve({ child, url: m[1] as string, line: out.trim(), stdout: () => out, exited });
      });
      child.stderr.on('data', (d) => (err += d));
      void exited.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
  }

  it('serves the handler on --port 0, exits 0 on SIGTERM with the journal closed, and restarts on it', async () => {
    const dir = join(tmp, 'serve-journal');
    const first = await start(['--port', '0', '--journal', dir]);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mt$/);
    const batch = Array.from({ length: 20 }, (_, i) => ({
      kind: 'click',
      url: '/p',
      x: i,
      y: i,
      vw: 1280,
      vh: 720,
    }));
    const res = await fetch(`${first.url}/collect`, {
      method: 'POST',
      body: JSON.stringify(batch),
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 20, rejected: [] });
    const today = new Date().toISOString().slice(0, 10);
    const heatmap = `/heatmap?url=/p&kind=click&vw=1280&from=${today}&to=${today}`;
    expect((await (await fetch(`${first.url}${heatmap}`)).json()).total).toBe(20);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // The journal was flushed and its lock released: a second server replays the 20 events.
    const second = await start(['--port', '0', '--journal', dir, '--ingest-only']);
    expect(second.line).toContain('20 events recovered from the journal');
    expect((await fetch(`${second.url}${heatmap}`)).status).toBe(404);
    expect((await fetch(`${second.url}/viewer/`)).status).toBe(404);
    expect((await (await fetch(`${second.url}/health`)).json()).status).toBe('ok');
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('--read-token guards reads with a bearer token, --site decides sites by host; collect stays open', async () => {
    const token = 'serve-read-token-0123456789';
    const served = await start([
      '--port',
      '0',
      '--journal',
      join(tmp, 'serve-token'),
      '--read-token',
      token,
      '--site',
      'shop=shop.example,www.shop.example',
    ]);
    const batch = [
      { kind: 'click', url: 'https://shop.example/p', x: 1, y: 1, vw: 1280, vh: 720 },
      { kind: 'click', url: 'https://evil.example/p', x: 1, y: 1, vw: 1280, vh: 720 },
    ];
    const collected = await fetch(`${served.url}/collect`, { method: 'POST', body: JSON.stringify(batch) });
    expect(await collected.json()).toEqual({ accepted: 1, rejected: [{ index: 1, reason: 'host' }] });
    const today = new Date().toISOString().slice(0, 10);
    const heatmap = `${served.url}/heatmap?url=/p&site=shop&kind=click&vw=1280&from=${today}&to=${today}`;
    expect((await fetch(heatmap)).status).toBe(401);
    expect(
      (await fetch(heatmap, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status,
    ).toBe(403);
    const ok = await fetch(heatmap, { headers: { authorization: `Bearer ${token}` } });
    expect((await ok.json()).total).toBe(1);
    // The dashboard is mounted behind the same token: a browser without it gets the sign-in page.
    await vi.waitFor(() => expect(served.stdout()).toContain(`heatmap viewer ${served.url}/viewer/`));
    const signIn = await fetch(`${served.url}/viewer/`, { headers: { accept: 'text/html' } });
    expect(signIn.status).toBe(401);
    expect(await signIn.text()).not.toContain('shop.example');
    const dashboard = await fetch(`${served.url}/viewer/`, {
      headers: { cookie: `monkeytracker_token=${token}` },
    });
    expect(dashboard.status).toBe(200);
    // Pages of site "shop" are framed from its first host.
    expect(await dashboard.text()).toContain('https://shop.example');
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
    const short = await run(['serve', '--port', '0', '--read-token', 'short']);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/must be at least 16 characters/);
  });

  it('fails in one line when the port is taken', async () => {
    const dir = join(tmp, 'serve-busy');
    const first = await start(['--port', '0', '--journal', dir]);
    const port = new URL(first.url).port;
    const r = await run(['serve', '--port', port, '--journal', join(tmp, 'serve-busy-2')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `monkeytracker: error: port ${port} on 127.0.0.1 is in use; pick another with --port\n`,
    );
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  it('fails in one line with the code when the journal is locked by another server or cannot be opened', async () => {
    const dir = join(tmp, 'serve-locked');
    const first = await start(['--port', '0', '--journal', dir]);
    const locked = await run(['serve', '--port', '0', '--journal', dir]);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/^monkeytracker: error: .*lock.* \[JOURNAL_LOCKED\]\n$/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // A file where the directory should be (as a read-only or unwritable path would be).
    const blocker = join(tmp, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const blocked = await run(['serve', '--port', '0', '--journal', join(blocker, 'journal')]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(
      /^monkeytracker: error: cannot open the journal in .*not-a-dir\/journal: .*\(ENOTDIR.*\); give the process a writable directory .* \[JOURNAL_OPEN_FAILED\]\n$/,
    );
  });
});
