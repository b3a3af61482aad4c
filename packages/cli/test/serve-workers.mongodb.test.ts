/**
 * `monkeytracker serve --workers 2` on the FerretDB test server (or MONGODB_URI): two processes on
 * one port, each with its own journal, sharing indexes through MongoDB. Connections spread over
 * both; every accepted event is stored exactly once after SIGTERM; a killed worker is restarted
 * on its journal and loses nothing it had fsynced.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJournal } from '@monkeytracker/journal';
import { MongoStorage } from '@monkeytracker/storage-mongodb';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { CLI, ensureBuilt } from './build-dist';

const uri = inject('mongodbUri');
const db = `mt_workers_${process.pid}`;
const tmp = mkdtempSync(join(tmpdir(), 'mt-workers-'));

beforeAll(() => ensureBuilt(), 120_000);
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  if (uri) {
    const client = await MongoClient.connect(uri);
    await client.db(db).dropDatabase();
    await client.close();
  }
});

/** One POST on a new connection (so the cluster spreads them), resolving with the status. */
function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'text/plain' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function journalEvents(dir: string): Promise<number> {
  let n = 0;
  for await (const batch of readJournal({ dir })) n += batch.length;
  return n;
}

describe.skipIf(!uri)('serve --workers 2 on MongoDB', () => {
  it('spreads connections over two workers with their own journals, restarts a killed one, stores every event once', async () => {
    const dir = join(tmp, 'journal');
    const collection = `workers_${Date.now()}`;
    const child = spawn(
      process.execPath,
      [
        CLI,
        'serve',
        '--workers',
        '2',
        '--port',
        '0',
        '--journal',
        dir,
        '--mongodb',
        uri,
        '--db',
        db,
        '--collection',
        collection,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await vi.waitFor(() => expect(out, err).toMatch(/listening on http:\/\/\S+ \(2 workers/), {
      timeout: 30_000,
    });
    const base = /listening on (http:\/\/\S+)/.exec(out)![1]!;
    const batch = (i: number) =>
      JSON.stringify(
        Array.from({ length: 20 }, (_, j) => ({
          kind: 'click',
          url: `/w/${(i + j) % 3}`,
          x: j * 10,
          y: i,
          vw: 1280,
          vh: 720,
        })),
      );
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push(await post(`${base}/collect`, batch(i)));
    // Past the journal's fsync window (1 s), then one worker dies hard.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const pids = execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(pids).toHaveLength(2);
    process.kill(Number(pids[0]), 'SIGKILL');
    await vi.waitFor(
      () => expect(err).toMatch(/worker \d exited \(signal SIGKILL\); restarting it on its journal/),
      { timeout: 10_000 },
    );
    // The other worker answers meanwhile; the restarted one rejoins on its own journal.
    for (let i = 60; i < 120; i++) statuses.push(await post(`${base}/collect`, batch(i)));
    expect(statuses.every((s) => s === 202)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    child.kill('SIGTERM');
    expect(await exited, err).toBe(0);

    const perWorker = [
      await journalEvents(join(dir, 'worker-0')),
      await journalEvents(join(dir, 'worker-1')),
    ];
    // Both took connections (round-robin over new connections); the kill came after the fsync.
    expect(Math.min(...perWorker)).toBeGreaterThan(0);
    expect(perWorker[0]! + perWorker[1]!).toBe(120 * 20);
    const storage = new MongoStorage({ uri, db, collection });
    let days = 0;
    for await (const { total } of storage.list({ granularity: 'day' })) days += total;
    await storage.close();
    expect(days).toBe(120 * 20);
  });

  it('refuses --workers above 1 without --mongodb', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--workers', '2', '--port', '0', '--journal', join(tmp, 'x')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(2);
    expect(err).toMatch(/--workers above 1 needs --mongodb/);
  });
});
