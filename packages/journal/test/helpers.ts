/** Shared fixtures of the journal tests: temp dirs, deterministic events, reading everything back. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventKind, HeatEvent } from '@monkeytracker/grid';
import { type ReadJournalOptions, readJournal } from '../src/index';

const KINDS: EventKind[] = ['click', 'scroll', 'move'];

/** A fresh temp directory; `cleanup()` removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mt-journal-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Event number `i` of a deterministic sequence (so a reader can check identity and order). */
export function eventAt(i: number, t0 = 1_718_000_000_000): HeatEvent {
  return {
    kind: KINDS[i % 3] as EventKind,
    url: `/page/${i % 37}`,
    x: (i * 7) % 1920,
    y: (i * 13) % 5000,
    vw: 1280 + (i % 3) * 100,
    vh: 800,
    t: t0 + i * 3 - (i % 5),
    site: i % 11 === 0 ? 'other.example' : 'default',
  };
}

/** `count` events starting at sequence number `start`. */
export function eventsFrom(start: number, count: number): HeatEvent[] {
  const out: HeatEvent[] = [];
  for (let i = start; i < start + count; i++) out.push(eventAt(i));
  return out;
}

/** Everything `readJournal` yields, flattened. */
export async function readAll(options: ReadJournalOptions): Promise<HeatEvent[]> {
  const out: HeatEvent[] = [];
  for await (const batch of readJournal(options)) for (const e of batch) out.push(e);
  return out;
}

/** Waits until `predicate` holds (polling), or fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
