import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Heatmap } from 'monkeytracker';
import { afterAll, afterEach, expect, it } from 'vitest';
import { ensureBrowserBuilt } from './browser-dist';

// The demo as `pnpm demo` runs it: a separate process. `--simulate` fills the heatmaps through
// the HTTP endpoint; SIGTERM / SIGINT close the tracker and exit 0; a restart replays the
// journal and shows the same totals.

const demoDir = fileURLToPath(new URL('..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'mt-demo-cli-'));
const children: ChildProcess[] = [];
const DAY_MS = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface Running {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

/** Spawns the demo (resolving workspace packages to their sources, as the other tests do). */
function run(args: string[]): Running {
  const child = spawn(
    process.execPath,
    ['--conditions=@monkeytracker/source', '--import', 'tsx', 'src/main.ts', ...args],
    { cwd: demoDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function waitForOutput(
  running: Running,
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<RegExpMatchArray> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const match = running.output().match(pattern);
    if (match) return match;
    if (running.child.exitCode !== null || Date.now() > until) {
      throw new Error(`demo did not print ${pattern}; it printed:\n${running.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Totals of every kind and width for `pageUrl` over the last 30 days, from the server at `base`. */
async function totals(base: string, pageUrl: string): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const kind of ['click', 'scroll']) {
    for (const vw of [390, 768, 1280, 1440]) {
      const params = new URLSearchParams({
        url: pageUrl,
        kind,
        vw: String(vw),
        from: day(Date.now() - 29 * DAY_MS),
        to: day(Date.now()),
      });
      const response = await fetch(`${base}/mt/heatmap?${params}`);
      expect(response.status).toBe(200);
      result[`${kind}@${vw}`] = ((await response.json()) as Heatmap).total;
    }
  }
  return result;
}

afterEach(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('--simulate fills the heatmaps; SIGTERM exits 0; a restart replays the journal to the same totals', async () => {
  ensureBrowserBuilt();
  const first = run(['--port', '0', '--data', dataDir, '--simulate', '--views', '300']);
  const pageUrl = (await waitForOutput(first, /tracked page\s+(\S+)/))[1]!;
  await waitForOutput(first, /demo: simulated [\d,]+ clicks/);
  // The printed viewer url works: the viewer's page, and the API it reads.
  const viewerUrl = first.output().match(/heatmap viewer\s+(http:\/\/127\.0\.0\.1:\d+\/mt\/viewer\/)\n/)?.[1];
  expect(viewerUrl, first.output()).toBeDefined();
  const viewer = await fetch(viewerUrl!);
  expect(viewer.status).toBe(200);
  expect(await viewer.text()).toMatch(/<script src="app-[0-9a-f]{10}\.js" defer>/);
  expect((await fetch(new URL('../config', viewerUrl)).then((r) => r.json())).cellSize).toBe(10);
  const before = await totals(pageUrl.replace(/\/$/, ''), pageUrl);
  expect(Object.values(before).every((total) => total > 0)).toBe(true);
  expect(
    before['scroll@390']! + before['scroll@768']! + before['scroll@1280']! + before['scroll@1440']!,
  ).toBe(300);

  first.child.kill('SIGTERM');
  expect(await first.exit).toBe(0);
  expect(first.output()).toMatch(/SIGTERM, closing/);

  // A new process on another port; the events keep the url they were recorded with.
  const second = run(['--port', '0', '--data', dataDir]);
  const base = (await waitForOutput(second, /tracked page\s+(\S+)/))[1]!.replace(/\/$/, '');
  const replayed = Number(
    (await waitForOutput(second, /\(([\d,]+) events recovered\)/))[1]!.replace(/,/g, ''),
  );
  expect(replayed).toBe(Object.values(before).reduce((a, b) => a + b, 0));
  expect(await totals(base, pageUrl)).toEqual(before);
  second.child.kill('SIGINT');
  expect(await second.exit).toBe(0);
}, 90_000);

it('a second demo on the same data directory, or one it cannot write, fails in one line with the code', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mt-demo-lock-'));
  try {
    const first = run(['--port', '0', '--data', dir]);
    await waitForOutput(first, /tracked page/);
    const second = run(['--port', '0', '--data', dir]);
    expect(await second.exit).toBe(1);
    expect(second.output()).toMatch(/^demo: .*lock.* \[JOURNAL_LOCKED\]\n$/);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    writeFileSync(join(dir, 'file'), 'x');
    const blocked = run(['--port', '0', '--data', join(dir, 'file')]);
    expect(await blocked.exit).toBe(1);
    expect(blocked.output()).toMatch(
      /^demo: cannot open the journal in .*\(ENOTDIR.*\).* \[JOURNAL_OPEN_FAILED\]\n$/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

it('--help prints the usage; a bad option exits 2 with the usage', async () => {
  const help = run(['--help']);
  expect(await help.exit).toBe(0);
  expect(help.output()).toMatch(/--simulate/);
  const bad = run(['--port', 'eighty']);
  expect(await bad.exit).toBe(2);
  expect(bad.output()).toMatch(/--port must be 0–65535/);
}, 30_000);
