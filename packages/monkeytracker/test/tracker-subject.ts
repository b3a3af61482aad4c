import type { ScenarioSubject } from '@monkeytracker/test-kit';
import { TIME_ZONE } from '@monkeytracker/test-kit';
import { createTracker, type TrackerOptions } from 'monkeytracker';

/** A tracker on the scenario's clock, as the scenario drives it: timers run merges while it idles. */
export async function trackerSubject(clock: () => number, options: TrackerOptions): Promise<ScenarioSubject> {
  const tracker = await createTracker({ timeZone: TIME_ZONE, now: clock, ...options });
  return {
    track: (batch) => tracker.track(batch),
    query: (q) => tracker.query(q),
    flush: () => tracker.flush(),
    idle: () => new Promise((resolve) => setTimeout(resolve, 1)),
    stats: () => tracker.stats(),
    close: () => tracker.close(),
  };
}
