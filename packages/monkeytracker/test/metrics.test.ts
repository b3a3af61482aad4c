/**
 * `GET {prefix}/metrics` in the Prometheus text format, behind the read authorization, parsed by a
 * real Prometheus text parser; the host's own prom-client registry; a pino-shaped logger.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StorageUnavailableError } from '@monkeytracker/storage';
import { createTracker, MemoryStorage, type Tracker, type TrackerOptions } from 'monkeytracker';
import { createHandler } from 'monkeytracker/http';
import { createMetrics } from 'monkeytracker/metrics';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

const NOW = Date.UTC(2024, 5, 10, 12);
const click = (x: number) => ({ kind: 'click', url: '/p', x, y: 1, vw: 1280, vh: 720 });

type Family = {
  name: string;
  type: string;
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
  }[];
};

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function serve(
  options: TrackerOptions,
  handlerOptions: (tracker: Tracker) => Parameters<typeof createHandler>[1],
) {
  const tracker = await createTracker({ now: () => NOW, ...options });
  cleanup.push(() => tracker.close().catch(() => {}));
  const handler = createHandler(tracker, handlerOptions(tracker));
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { tracker, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const families = async (base: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${base}/mt/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const parsed = parsePrometheusTextFormat(await res.text()) as Family[];
  return new Map(parsed.map((f) => [f.name, f]));
};
const value = (f: Family | undefined, labels: Record<string, string> = {}) =>
  Number(f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value);

describe('metrics', () => {
  it('are scraped in the Prometheus text format: events, rejections, HTTP answers, live state, merges, journal', async () => {
    const { base, tracker } = await serve({ cache: { flushIntervalMs: 60_000 } }, (t) => ({
      metrics: createMetrics(t),
    }));
    await fetch(`${base}/mt/collect`, {
      method: 'POST',
      body: JSON.stringify([click(1), click(2), { kind: 'tap' }]),
    });
    await fetch(`${base}/mt/collect`, { method: 'POST', body: 'not json' });
    await tracker.flush();
    const m = await families(base);
    expect(value(m.get('monkeytracker_events_accepted_total'))).toBe(2);
    expect(value(m.get('monkeytracker_events_rejected_total'), { reason: 'kind' })).toBe(1);
    expect(value(m.get('monkeytracker_elements_over_budget_total'))).toBe(0);
    expect(value(m.get('monkeytracker_http_responses_total'), { endpoint: '/collect', status: '202' })).toBe(
      1,
    );
    expect(value(m.get('monkeytracker_http_responses_total'), { endpoint: '/collect', status: '400' })).toBe(
      1,
    );
    expect(value(m.get('monkeytracker_health'), { status: 'ok' })).toBe(1);
    expect(m.get('monkeytracker_merge_duration_seconds')?.type).toBe('HISTOGRAM');
    const merges = m.get('monkeytracker_merge_duration_seconds')!.metrics[0] as {
      buckets: Record<string, string>;
    };
    expect(Number(merges.buckets['+Inf'])).toBeGreaterThanOrEqual(1);
    for (const name of ['live_entries', 'live_bytes', 'pending_merges', 'live_pages', 'confirmed_position']) {
      expect(m.has(`monkeytracker_${name}`), name).toBe(true);
    }
    // Totals keep adding up across scrapes (counters, not gauges).
    await fetch(`${base}/mt/collect`, { method: 'POST', body: JSON.stringify([click(3)]) });
    expect(value((await families(base)).get('monkeytracker_events_accepted_total'))).toBe(3);
  });

  it('count merge errors by code and go behind authorize like every read', async () => {
    const storage = new MemoryStorage();
    storage.merge = async () => {
      throw new StorageUnavailableError('down');
    };
    const { base, tracker } = await serve({ storage, cache: { flushTimeoutMs: 50 } }, (t) => ({
      authorize: (req) => req.headers.authorization === 'Bearer ok',
      metrics: createMetrics(t),
    }));
    tracker.track(click(1));
    await tracker.flush().catch(() => {});
    expect((await fetch(`${base}/mt/metrics`)).status).toBe(401);
    const m = await families(base, { authorization: 'Bearer ok' });
    expect(
      value(m.get('monkeytracker_merge_errors_total'), { code: 'STORAGE_UNAVAILABLE' }),
    ).toBeGreaterThanOrEqual(1);
    expect(value(m.get('monkeytracker_health'), { status: 'degraded' })).toBe(0); // flush failures do not mark a tick
  });

  it("register in the host's own registry beside its metrics", async () => {
    const registry = new Registry();
    new Counter({ name: 'host_requests_total', help: 'the host', registers: [registry] }).inc(7);
    const tracker = await createTracker({ now: () => NOW });
    cleanup.push(() => tracker.close());
    const metrics = createMetrics(tracker, { registry, prefix: 'heat_' });
    tracker.track(click(1));
    const text = await registry.metrics();
    const names = (parsePrometheusTextFormat(text) as Family[]).map((f) => f.name);
    expect(names).toContain('host_requests_total');
    expect(names).toContain('heat_events_accepted_total');
    expect(metrics.registry).toBe(registry);
  });

  it('background errors go to a pino-shaped logger with their code', async () => {
    const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
    const logger = {
      error: (obj: object, msg: string) =>
        lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
      warn: (obj: object, msg: string) =>
        lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
      info: (obj: object, msg: string) =>
        lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    };
    const storage = new MemoryStorage();
    storage.merge = async () => {
      throw new StorageUnavailableError('db down');
    };
    const tracker = await createTracker({ storage, now: () => NOW, logger, cache: { flushTimeoutMs: 30 } });
    tracker.track(click(1));
    await tracker.flush().catch(() => {});
    await tracker.close().catch(() => {});
    expect(lines[0]).toMatchObject({
      level: 'warn',
      obj: { code: 'STORAGE_UNAVAILABLE' },
      msg: '[monkeytracker] [storage] db down',
    });
  });
});
