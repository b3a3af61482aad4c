import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '@monkeytracker/test-kit';
import { MemoryStorage } from 'monkeytracker';
import { afterAll, describe, it } from 'vitest';
import { trackerSubject } from './tracker-subject';

const dir = mkdtempSync(join(tmpdir(), 'mt-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// `pnpm test` runs 200,000 events; `pnpm test:long` the full million over 60 days.
const EVENTS = process.env.MT_LONG === '1' ? 1_000_000 : 200_000;

describe('tracker end to end on MemoryStorage with a journal', () => {
  it(`answers 300 random queries like a naive count over ${EVENTS} events, and again after a restart`, async () => {
    await runScenario({
      events: EVENTS,
      // The reopened tracker gets a fresh MemoryStorage: its answers come from replaying the journal.
      open: (clock) =>
        trackerSubject(clock, {
          storage: new MemoryStorage(),
          journal: { dir: join(dir, 'journal'), fsyncMs: 50 },
          cache: { maxEntries: 60, idleMs: 6 * 3_600_000, flushIntervalMs: 10 },
        }),
    });
  });
});
