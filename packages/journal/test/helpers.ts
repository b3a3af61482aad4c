/** Shared fixtures of the journal tests: temp dirs, deterministic events, reading everything back. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_KINDS, type EventKind, type HeatEvent } from '@monkeytracker/grid';
import { onTestFinished } from 'vitest';
import { type ReadJournalOptions, readJournal } from '../src/index';

const KINDS: EventKind[] = ['click', 'scroll', 'move'];

/** A fresh temp directory; `cleanup()` removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mt-journal-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh temporary directory, removed when the running test finishes. Call it inside a test. */
export function testDir(): string {
  const t = tempDir();
  onTestFinished(t.cleanup);
  return t.dir;
}

/**
 * Event number `i` of a deterministic sequence (so a reader can check identity and order):
 * clicks, scrolls and moves without an element, as format 1 and 2 frames hold them.
 */
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
    sel: '',
    ox: 0,
    oy: 0,
    ew: 0,
    eh: 0,
  };
}

/** Number of distinct selectors in {@link elementEventAt}'s sequence. */
export const ELEMENT_SELECTORS = 50;

/**
 * Event number `i` of a deterministic sequence of all five kinds, where three of four clicks,
 * rage and dead clicks hit an element (one of {@link ELEMENT_SELECTORS} selectors).
 */
export function elementEventAt(i: number, t0 = 1_718_000_000_000): HeatEvent {
  const e = eventAt(i, t0);
  e.kind = EVENT_KINDS[i % 5] as EventKind;
  if ((e.kind === 'click' || e.kind === 'rage' || e.kind === 'dead') && i % 4 !== 3) {
    e.sel = `main>section:nth-of-type(${(Math.floor(i / 5) * 7) % ELEMENT_SELECTORS})>button.buy`;
    e.ox = (i * 37) % 1001;
    e.oy = (i * 91) % 1001;
    e.ew = 40 + (i % 200);
    e.eh = 20 + (i % 30);
  }
  return e;
}

/** `count` events of {@link elementEventAt} starting at sequence number `start`. */
export function elementEventsFrom(start: number, count: number): HeatEvent[] {
  const out: HeatEvent[] = [];
  for (let i = start; i < start + count; i++) out.push(elementEventAt(i));
  return out;
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
