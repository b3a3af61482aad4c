import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanFrames } from '../src/frame-codec';
import { openJournal, verifyJournal } from '../src/index';
import { eventsFrom, readAll, tempDir } from './helpers';

/** A raw segment of three frames: 100 events, 100 events, 1 event. */
let segment: { name: string; bytes: Buffer; lastFrame: number };
const work = tempDir();

beforeAll(async () => {
  const src = join(work.dir, 'src');
  const journal = await openJournal({ dir: src, fsyncMs: 20, compress: false });
  journal.append(eventsFrom(0, 100));
  await journal.flush();
  journal.append(eventsFrom(100, 100));
  await journal.flush();
  journal.append(eventsFrom(200, 1));
  await journal.close();
  const name = readdirSync(src).find((f) => f.endsWith('.mtj')) as string;
  const bytes = readFileSync(join(src, name));
  const frames = scanFrames(bytes).frames;
  expect(frames).toHaveLength(3);
  segment = { name, bytes, lastFrame: (frames[2] as { offset: number }).offset };
});
afterAll(() => work.cleanup());

function crashDir(content: Uint8Array): string {
  const dir = join(work.dir, 'crash');
  rmSync(dir, { recursive: true, force: true });
  tempWrite(dir, segment.name, content);
  return dir;
}

function tempWrite(dir: string, name: string, content: Uint8Array): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), content);
}

describe('torn tail', () => {
  it('recovers at every byte offset of the last frame', async () => {
    const { bytes, lastFrame } = segment;
    for (let cut = lastFrame; cut < bytes.length; cut++) {
      const dir = crashDir(bytes.subarray(0, cut));
      const journal = await openJournal({ dir, fsyncMs: 20, compress: false });
      expect(journal.recovery.tornBytes).toBe(cut - lastFrame);
      journal.append(eventsFrom(1000, 1));
      await journal.close();
      expect(await readAll({ dir })).toEqual([...eventsFrom(0, 200), ...eventsFrom(1000, 1)]);
    }
    // One open/close per byte of the frame: about 3 s, more on a busy machine, so over the 5 s default.
  }, 30_000);

  it('truncates, seals and reports a torn tail when compressing', async () => {
    const { bytes, lastFrame } = segment;
    for (const cut of [lastFrame + 1, lastFrame + 12, bytes.length - 1]) {
      const dir = crashDir(bytes.subarray(0, cut));
      const journal = await openJournal({ dir, fsyncMs: 20 });
      expect(journal.recovery.tornBytes).toBe(cut - lastFrame);
      expect(journal.recovery.segments).toEqual([
        { file: segment.name, tornBytes: cut - lastFrame, corruptBytes: 0, frames: 2 },
      ]);
      await journal.close();
      expect(readdirSync(dir).filter((f) => f.endsWith('.mtj'))).toEqual([]);
      expect(readdirSync(dir).filter((f) => f.endsWith('.mtj.gz'))).toHaveLength(1);
      expect(await readAll({ dir })).toEqual(eventsFrom(0, 200));
      expect(await verifyJournal({ dir })).toMatchObject({ ok: true, events: 200, frames: 2 });
    }
  });

  it('truncates a garbled tail', async () => {
    const garbage = Buffer.from('\x4d\x54\x4a\xf1 not a frame at all, but it starts like one');
    const dir = crashDir(Buffer.concat([segment.bytes, garbage]));
    const journal = await openJournal({ dir, fsyncMs: 20 });
    expect(journal.recovery.tornBytes).toBe(garbage.length);
    await journal.close();
    expect(await readAll({ dir })).toEqual(eventsFrom(0, 201));
  });

  it('reports an unrecovered torn tail in verifyJournal, and readers still read', async () => {
    const dir = crashDir(segment.bytes.subarray(0, segment.bytes.length - 3));
    expect(await readAll({ dir, strict: true })).toEqual(eventsFrom(0, 200));
    expect(await verifyJournal({ dir })).toMatchObject({
      ok: true,
      events: 200,
      tailBytes: segment.bytes.length - 3 - segment.lastFrame,
    });
  });

  it('finishes a seal interrupted by a crash', async () => {
    // Seal a copy first to get a complete .gz, then put the raw file back beside it plus a temp file.
    const dir = crashDir(segment.bytes);
    const journal = await openJournal({ dir, fsyncMs: 20 });
    await journal.close();
    const gz = readdirSync(dir).find((f) => f.endsWith('.gz')) as string;
    writeFileSync(join(dir, segment.name), segment.bytes);
    copyFileSync(join(dir, gz), join(dir, `${gz}.tmp`));
    const again = await openJournal({ dir, fsyncMs: 20 });
    expect(again.recovery.removed.map((p) => p.slice(dir.length + 1)).sort()).toEqual(
      [segment.name, `${gz}.tmp`].sort(),
    );
    await again.close();
    expect(readdirSync(dir).sort()).toEqual([gz, 'WRITER']);
    expect(await readAll({ dir })).toEqual(eventsFrom(0, 201));
  });
});
