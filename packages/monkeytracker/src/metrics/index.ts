// `monkeytracker/metrics`: a tracker's counters as Prometheus metrics, with prom-client (an
// optional peer dependency: install it beside monkeytracker to use this entry).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TrackerEvent, TrackerStats } from '../create-tracker';

/** What the metrics read from a tracker: its stats at scrape time, and its events as they happen. */
export interface MetricsSource {
  stats(): TrackerStats;
  observe(listener: (event: TrackerEvent) => void): () => void;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** The host's registry, to scrape everything from one place. Default: a registry of its own. */
  registry?: Registry;
  /** Name prefix of every metric. Default `'monkeytracker_'`. */
  prefix?: string;
}

/** A tracker's metrics: what the HTTP handler's `metrics` option serves at `{prefix}/metrics`. */
export interface TrackerMetrics {
  readonly registry: Registry;
  /** The content type of {@link TrackerMetrics.scrape} (Prometheus text format 0.0.4). */
  readonly contentType: string;
  /** The registry in the Prometheus text format. */
  scrape(): Promise<string>;
  /** Counts one HTTP answer (the handler calls this for every answer it gives). */
  observeHttp(endpoint: string, status: number): void;
  /** Stops observing the tracker (its metrics stay registered). */
  close(): void;
}

/**
 * Registers a tracker's metrics in a prom-client registry: events accepted and refused by
 * reason, HTTP answers by endpoint and status, live entries, pages and bytes, merges (latency
 * histogram, errors by code), the journal (bytes, durable events, pending bytes, positions,
 * fsyncs), recovery, and health. Counters that the tracker keeps as totals are exported as
 * Prometheus counters (increased by the difference at each scrape).
 *
 * @example
 * ```ts
 * import { createMetrics } from 'monkeytracker/metrics';
 * const metrics = createMetrics(tracker, { registry: myRegistry });
 * app.use(tracker.handler({ metrics })); // GET /mt/metrics, behind authorize
 * ```
 */
export function createMetrics(source: MetricsSource, options: MetricsOptions = {}): TrackerMetrics {
  const registry = options.registry ?? new Registry();
  const p = options.prefix ?? 'monkeytracker_';
  const registers = [registry];
  // One stats() per scrape, shared by every collect() of that scrape: a scrape runs its collect()
  // calls within one turn of the event loop, so the snapshot is dropped at the next turn.
  let snapshot: TrackerStats | undefined;
  const stats = () => {
    if (!snapshot) {
      snapshot = source.stats();
      setImmediate(() => {
        snapshot = undefined;
      });
    }
    return snapshot;
  };
  /** A counter following a total the tracker keeps: each scrape adds what it grew by. */
  const totals = (name: string, help: string, labelNames: string[], read: () => Record<string, number>) => {
    const last = new Map<string, number>();
    return new Counter({
      name: `${p}${name}`,
      help,
      labelNames,
      registers,
      collect() {
        for (const [label, value] of Object.entries(read())) {
          const before = last.get(label) ?? 0;
          if (value > before) {
            if (labelNames.length === 0) this.inc(value - before);
            else this.inc({ [labelNames[0]!]: label }, value - before);
          }
          last.set(label, value);
        }
      },
    });
  };
  const gauge = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({
      name: `${p}${name}`,
      help,
      registers,
      collect() {
        const value = read();
        if (value !== undefined) this.set(value);
      },
    });

  totals('events_accepted_total', 'Events counted.', [], () => ({ '': stats().accepted }));
  totals(
    'events_rejected_total',
    'Events refused, by reason (x, url, host, cardinality, overloaded, …).',
    ['reason'],
    () => Object.fromEntries(Object.entries(stats().rejected).map(([reason, n]) => [reason, n ?? 0])),
  );
  totals(
    'elements_over_budget_total',
    'Clicks counted in their page grid but not in the element index (maxElementsPerPageDay reached).',
    [],
    () => ({ '': stats().elementsOverBudget }),
  );
  gauge('live_entries', 'Live (page, kind, bucket, day) entries.', () => stats().liveEntries);
  gauge('live_pages', 'Pages the live side holds.', () => stats().livePages);
  gauge(
    'live_bytes',
    'Bytes of live builders, unmerged deltas and pages (what cache.maxPendingBytes bounds).',
    () => stats().liveBytes,
  );
  gauge('pending_merges', 'Deltas cut and not yet confirmed by storage.', () => stats().pendingMerges);
  gauge(
    'confirmed_position',
    'Journal position before which storage confirmed everything.',
    () => stats().confirmedPosition,
  );
  gauge('recovered_events', 'Events re-read from the journal at start.', () => stats().recoveredOnStart);
  new Gauge({
    name: `${p}health`,
    help: 'Health of the tracker: 1 for the current status (ok, degraded, overloaded), 0 for the others.',
    labelNames: ['status'],
    registers,
    collect() {
      const current = stats().health;
      for (const status of ['ok', 'degraded', 'overloaded']) this.set({ status }, status === current ? 1 : 0);
    },
  });
  totals('journal_bytes_total', 'Raw bytes written to journal segments.', [], () => ({
    '': stats().journal?.bytes ?? 0,
  }));
  totals('journal_events_durable_total', 'Events written and fsynced.', [], () => ({
    '': stats().journal?.eventsDurable ?? 0,
  }));
  totals('journal_fsyncs_total', 'Fsyncs of journal segments.', [], () => ({
    '': stats().journal?.fsyncs ?? 0,
  }));
  totals('journal_write_errors_total', 'Failed journal write or fsync cycles.', [], () => ({
    '': stats().journal?.writeErrors ?? 0,
  }));
  gauge(
    'journal_pending_bytes',
    'Appended journal data not yet written.',
    () => stats().journal?.pendingBytes,
  );

  const merges = new Histogram({
    name: `${p}merge_duration_seconds`,
    help: 'Duration of storage.merge calls, by outcome.',
    labelNames: ['outcome'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers,
  });
  const fsyncs = new Histogram({
    name: `${p}journal_fsync_duration_seconds`,
    help: 'Duration of journal fsyncs (the disk latency behind the loss window).',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers,
  });
  const mergeErrors = new Counter({
    name: `${p}merge_errors_total`,
    help: 'Failed storage.merge calls, by error code (each is retried).',
    labelNames: ['code'],
    registers,
  });
  const backgroundErrors = new Counter({
    name: `${p}errors_total`,
    help: 'Background errors reported to onError, by code.',
    labelNames: ['code'],
    registers,
  });
  const recoveryDuration = new Gauge({
    name: `${p}recovery_duration_seconds`,
    help: 'How long the last recovery of the journal tail took.',
    registers,
  });
  const http = new Counter({
    name: `${p}http_responses_total`,
    help: 'HTTP answers of the handler, by endpoint and status.',
    labelNames: ['endpoint', 'status'],
    registers,
  });
  const unsubscribe = source.observe((event) => {
    if (event.type === 'merge') {
      merges.observe({ outcome: event.ok ? 'ok' : 'error' }, event.ms / 1000);
      if (!event.ok) mergeErrors.inc({ code: event.code ?? 'unknown' });
    } else if (event.type === 'fsync') {
      fsyncs.observe(event.ms / 1000);
    } else if (event.type === 'recovery' && event.phase === 'done') {
      recoveryDuration.set(event.ms / 1000);
    } else if (event.type === 'error') {
      backgroundErrors.inc({ code: event.code ?? 'unknown' });
    }
  });
  return {
    registry,
    contentType: registry.contentType,
    scrape: () => registry.metrics(),
    observeHttp: (endpoint, status) => http.inc({ endpoint, status: String(status) }),
    close: unsubscribe,
  };
}
