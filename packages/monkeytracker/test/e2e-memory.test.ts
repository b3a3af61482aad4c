import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from 'monkeytracker';
import { afterAll, describe, it } from 'vitest';
import { runScenario } from './e2e-scenario';

const dir = mkdtempSync(join(tmpdir(), 'mt-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tracker end to end on MemoryStorage with a journal', () => {
  it('answers 300 random queries like a naive count over 1 M events, and again after a restart', {
    timeout: 300_000,
  }, async () => {
    await runScenario({
      events: 1_000_000,
      storage: () => new MemoryStorage(),
      // The reopened tracker gets a fresh MemoryStorage: its answers come from replaying the journal.
      tracker: { journal: { dir: join(dir, 'journal'), fsyncMs: 50 } },
    });
  });
});
