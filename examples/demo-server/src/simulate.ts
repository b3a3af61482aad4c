// Synthetic traffic for the demo, sent through the real ingest endpoint (POST /mt/collect) in
// batches, exactly as browsers would send it: page views on a few screen sizes, clicks aimed
// at the demo page's real buttons (src/layout.ts), and one scroll event per view with the
// deepest point it reached.
//
// Time: events carry `t` spread over the last `days` days. The demo server keeps them because
// its handler runs with `trustClientTime: true` (see demo-server.ts); a server with the
// default `false` would stamp them all "now", which still gives a heatmap, just of today only.
import { pageLayout, type Target } from './layout';

export interface SimulateOptions {
  /** The server, e.g. `http://127.0.0.1:3000`; events go to `${baseUrl}/mt/collect`. */
  baseUrl: string;
  /** The page url the events carry. Default `${baseUrl}/` (what the tracking snippet sends). */
  pageUrl?: string;
  /** Page views to simulate. Default 1500 (about 4,000 events). */
  views?: number;
  /** Spread the views over the last `days` days, today included. Default 30. */
  days?: number;
  /** Events per POST. Default 20. */
  batchSize?: number;
  /** POSTs in flight at once. Default 4. */
  concurrency?: number;
  /** PRNG seed, for repeatable traffic. Default: random. */
  seed?: number;
  /** The clock. Default `Date.now()`. */
  now?: number;
}

export interface SimulateResult {
  views: number;
  clicks: number;
  scrolls: number;
  requests: number;
  /** Events the server accepted and rejected (it should reject none). */
  accepted: number;
  rejected: number;
  ms: number;
}

/** The screens simulated visitors use, with their share of page views. */
export const VIEWPORTS = [
  { vw: 390, vh: 844, share: 0.38 },
  { vw: 768, vh: 1024, share: 0.1 },
  { vw: 1280, vh: 800, share: 0.24 },
  { vw: 1440, vh: 900, share: 0.28 },
] as const;

const DAY_MS = 86_400_000;

interface SimEvent {
  kind: 'click' | 'scroll';
  url: string;
  x: number;
  y: number;
  vw: number;
  vh: number;
  t: number;
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickWeighted<T>(
  items: readonly T[],
  weight: (item: T) => number,
  random: () => number,
): T | undefined {
  let sum = 0;
  for (const item of items) sum += weight(item);
  let r = random() * sum;
  for (const item of items) {
    r -= weight(item);
    if (r < 0) return item;
  }
  return items[items.length - 1];
}

/** Standard normal sample (Box–Muller). */
function gauss(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A click inside `target`, bunched towards its centre as real clicks are. */
function clickIn(target: Target, random: () => number): { x: number; y: number } {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  return {
    x: Math.round(
      clamp(target.x + target.w / 2 + (gauss(random) * target.w) / 6, target.x + 2, target.x + target.w - 2),
    ),
    y: Math.round(
      clamp(target.y + target.h / 2 + (gauss(random) * target.h) / 5, target.y + 2, target.y + target.h - 2),
    ),
  };
}

/** The events of one simulated page view: some clicks on what the visitor saw, then the scroll depth. */
function pageView(url: string, t0: number, random: () => number): SimEvent[] {
  const screen = pickWeighted(VIEWPORTS, (v) => v.share, random)!;
  const { vw, vh } = screen;
  const layout = pageLayout(vw);
  // Deepest point: a fifth bounce at the first screen, a tenth read to the end, the rest
  // stop somewhere, more often near the top.
  const u = random();
  const span = layout.height - vh;
  const depth = Math.round(u < 0.2 ? vh : u > 0.9 ? layout.height : vh + span * random() ** 1.4);
  const events: SimEvent[] = [];
  let t = t0;
  const clicks = Math.floor(-Math.log(1 - random()) * 1.6); // geometric-ish, mean ≈ 1.6
  const seen = layout.targets.filter((target) => target.y + target.h <= depth);
  for (let i = 0; i < clicks; i++) {
    t += 1000 + Math.floor(random() * 20_000);
    if (random() < 0.08) {
      // Somewhere that is not a button: text, images, empty space.
      events.push({
        kind: 'click',
        url,
        x: Math.floor(random() * vw),
        y: Math.floor(random() * depth),
        vw,
        vh,
        t,
      });
      continue;
    }
    const target = pickWeighted(seen, (s) => s.weight, random);
    if (target) events.push({ kind: 'click', url, ...clickIn(target, random), vw, vh, t });
  }
  events.push({ kind: 'scroll', url, x: 0, y: depth, vw, vh, t: t + 2000 });
  return events;
}

/**
 * Sends synthetic page views to the server's collect endpoint and resolves when every batch
 * was answered. Throws if the server refuses a batch.
 *
 * @example
 * ```ts
 * const result = await simulateTraffic({ baseUrl: 'http://127.0.0.1:3000', views: 500 });
 * console.log(`${result.accepted} events in ${result.ms} ms`);
 * ```
 */
export async function simulateTraffic(options: SimulateOptions): Promise<SimulateResult> {
  const started = performance.now();
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const url = options.pageUrl ?? `${baseUrl}/`;
  const views = options.views ?? 1500;
  const days = Math.max(1, options.days ?? 30);
  const batchSize = options.batchSize ?? 20;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const random = prng(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const now = options.now ?? Date.now();
  const today = Math.floor(now / DAY_MS) * DAY_MS; // UTC midnight, the tracker's zone in the demo

  const batches: SimEvent[][] = [];
  let batch: SimEvent[] = [];
  const result: SimulateResult = {
    views,
    clicks: 0,
    scrolls: 0,
    requests: 0,
    accepted: 0,
    rejected: 0,
    ms: 0,
  };
  for (let v = 0; v < views; v++) {
    // A day in the range (more traffic on recent days), a time of day, never in the future or
    // so late that the view's clicks spill into tomorrow.
    const dayStart = today - Math.floor(random() ** 1.3 * days) * DAY_MS;
    const latest = Math.min(now, dayStart + DAY_MS - 1) - 5 * 60_000;
    const t0 = Math.max(dayStart, dayStart + Math.floor(random() * (latest - dayStart)));
    for (const event of pageView(url, t0, random)) {
      if (event.kind === 'click') result.clicks++;
      else result.scrolls++;
      batch.push({ ...event, t: Math.min(event.t, now) });
      if (batch.length >= batchSize) {
        batches.push(batch);
        batch = [];
      }
    }
  }
  if (batch.length > 0) batches.push(batch);

  const endpoint = `${baseUrl}/mt/collect`;
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const body = JSON.stringify(batches[next++]);
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const answer = (await response.json()) as { accepted?: number; rejected?: unknown[]; error?: string };
      if (response.status !== 202) {
        throw new Error(
          `simulate: ${endpoint} answered ${response.status}: ${answer.error ?? 'no reason given'}`,
        );
      }
      result.requests++;
      result.accepted += answer.accepted ?? 0;
      result.rejected += answer.rejected?.length ?? 0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  result.ms = Math.round(performance.now() - started);
  return result;
}
