import { runScenario } from '@monkeytracker/test-kit';
import { describe, expect, it } from 'vitest';
import { FlakyStorage } from '../../pipeline/test/flaky-storage';
import { trackerSubject } from './tracker-subject';

describe('tracker against a storage that delays and fails merges', () => {
  it('never counts a delta twice or misses one while merges settle around queries', async () => {
    const storage = new FlakyStorage();
    await runScenario({
      events: 200_000,
      queries: 300,
      open: (clock) =>
        trackerSubject(clock, {
          storage,
          cache: { maxEntries: 60, idleMs: 6 * 3_600_000, flushIntervalMs: 10 },
        }),
    });
    expect(storage.failures).toBeGreaterThan(5);
    expect(storage.partial).toBeGreaterThan(5);
    expect(storage.unknown).toBeGreaterThan(5);
  });
});
