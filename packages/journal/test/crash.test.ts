import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openJournal, verifyJournal } from '../src/index';
import { ensureBuilt, PACKAGE_DIR } from './build-dist';
import { eventsFrom, readAll, tempDir } from './helpers';

const WRITER = join(PACKAGE_DIR, 'test', 'fixtures', 'crash-writer.mjs');

beforeAll(() => ensureBuilt(), 120_000);

/** Runs the writer for `ms`, kills it with SIGKILL, and returns the last durable count it reported. */
async function runAndKill(dir: string, ms: number): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, [WRITER, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const started = Date.now();
  while (!out.includes('ready\n')) {
    if (Date.now() - started > 10_000) throw new Error(`writer did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, ms));
  child.kill('SIGKILL');
  await exited;
  // Only complete lines count: the last one may have been cut by the kill.
  const lines = out.split('\n').slice(0, -1);
  let durable = 0;
  for (const line of lines) if (line.startsWith('durable ')) durable = Number(line.slice(8));
  return durable;
}

describe('crash (SIGKILL) recovery', () => {
  it('keeps every fsynced event and no garbage, over several crashes', async () => {
    for (const ms of [150, 400, 250, 600]) {
      const t = tempDir();
      try {
        const durable = await runAndKill(t.dir, ms);
        expect(durable).toBeGreaterThan(0);
        // Reopening takes over the dead writer's lock, truncates the torn tail, and seals.
        const journal = await openJournal({ dir: t.dir, fsyncMs: 20 });
        await journal.close();
        const events = await readAll({ dir: t.dir, strict: true });
        expect(events.length).toBeGreaterThanOrEqual(durable);
        expect(events).toEqual(eventsFrom(0, events.length));
        const report = await verifyJournal({ dir: t.dir });
        expect(report).toMatchObject({ ok: true, events: events.length, tailBytes: 0 });
      } finally {
        t.cleanup();
      }
    }
  }, 60_000);
});
