/**
 * Seeded traffic and a naive oracle for end-to-end tests of the tracker: every answer the
 * tracker gives is compared with a plain count over the raw events, days decided by Intl.
 */
import { seededRandom } from './seeded-random';

// No workspace imports: the storage contract suite (published) bundles this kit, and the
// packages under test must not be what the oracle is built from.
const EVENT_KINDS = ['click', 'scroll', 'move'] as const;
type EventKind = (typeof EVENT_KINDS)[number];

/** The part of a heatmap the oracle compares. */
export interface HeatmapLike {
  total: number;
  cells: readonly { x: number; y: number; count: number }[];
}

export const TIME_ZONE = 'Europe/Prague';
export const BREAKPOINTS = [0, 576, 768, 992, 1200, 1400];
const URLS = [
  '/',
  '/pricing',
  '/blog/1',
  '/blog/2',
  '/product/7?utm=x',
  '/product/8',
  '/about/',
  'https://Shop.example/contact',
];
/** What the tracker's default normalization makes of URLS (trailing slash, query, host case). */
const NORMALIZED = ['/', '/pricing', '/blog/1', '/blog/2', '/product/7', '/product/8', '/about', '/contact'];
const VIEWPORTS = [390, 800, 1024, 1280, 1500];

/** Events in columns, time-ordered, plus each event's local day (by Intl) as 'YYYY-MM-DD'. */
export interface Traffic {
  n: number;
  t: Float64Array;
  x: Int32Array;
  y: Int32Array;
  vw: Int32Array;
  url: Uint8Array;
  kind: Uint8Array;
  day: string[];
  days: string[];
  dayIndex: Int32Array;
}

export function makeTraffic(n: number, start: number, days: number, seed: number): Traffic {
  const random = seededRandom(seed);
  const traffic: Traffic = {
    n,
    t: new Float64Array(n),
    x: new Int32Array(n),
    y: new Int32Array(n),
    vw: new Int32Array(n),
    url: new Uint8Array(n),
    kind: new Uint8Array(n),
    day: [],
    days: [],
    dayIndex: new Int32Array(n),
  };
  const oracle = new Intl.DateTimeFormat('en-CA', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const span = days * 86_400_000;
  const dayCache = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const t = Math.floor(start + ((i + random()) / n) * span);
    const kind = Math.floor(random() * 3);
    traffic.t[i] = t;
    traffic.kind[i] = kind;
    traffic.url[i] = Math.floor(random() ** 2 * URLS.length);
    traffic.vw[i] = VIEWPORTS[Math.floor(random() * VIEWPORTS.length)]!;
    traffic.x[i] =
      kind === 1 ? 0 : Math.floor(Math.max(0, 500 + (random() + random() + random() - 1.5) * 400));
    traffic.y[i] = Math.floor(Math.max(0, 900 + (random() + random() + random() - 1.5) * 1200));
    // Prague's offset changes on whole hours, so the day of a quarter hour is the day of all of it.
    const quarter = Math.floor(t / 900_000);
    let d = dayCache.get(quarter);
    if (d === undefined) dayCache.set(quarter, (d = oracle.format(quarter * 900_000)));
    if (traffic.days.at(-1) !== d) traffic.days.push(d);
    traffic.dayIndex[i] = traffic.days.length - 1;
  }
  return traffic;
}

/** The i-th event as a browser would post it. */
export function eventAt(traffic: Traffic, i: number) {
  return {
    kind: EVENT_KINDS[traffic.kind[i]!]!,
    url: URLS[traffic.url[i]!]!,
    x: traffic.x[i]! + 0.4,
    y: traffic.y[i]!,
    vw: traffic.vw[i]!,
    vh: 700,
    t: traffic.t[i]!,
  };
}

/** A random query over the traffic's days (plus a few days either side). */
export interface GroundQuery {
  url: string;
  normalized: string;
  kind: EventKind;
  vw: number;
  from: string;
  to: string;
}

export function randomQuery(traffic: Traffic, random: () => number, upToDay: number): GroundQuery {
  const last = Math.min(upToDay, traffic.days.length - 1);
  const a = Math.floor(random() * (last + 1));
  const b = random() < 0.3 ? last : Math.min(last, a + Math.floor(random() * 50));
  const u = Math.floor(random() * URLS.length);
  return {
    url: URLS[u]!,
    normalized: NORMALIZED[u]!,
    kind: EVENT_KINDS[Math.floor(random() * 3)]!,
    vw: VIEWPORTS[Math.floor(random() * VIEWPORTS.length)]!,
    from: traffic.days[a]!,
    to: traffic.days[b]!,
  };
}

/** The naive answer over the first `count` events: total and cell → count. */
export function naiveAnswer(
  traffic: Traffic,
  count: number,
  q: GroundQuery,
): { total: number; cells: Map<string, number> } {
  const fromIndex = traffic.days.indexOf(q.from);
  const toIndex = traffic.days.indexOf(q.to);
  const bucket = BREAKPOINTS.findLastIndex((b) => q.vw >= b);
  const u = NORMALIZED.indexOf(q.normalized);
  const k = EVENT_KINDS.indexOf(q.kind);
  const cells = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < count; i++) {
    const d = traffic.dayIndex[i]!;
    if (d < fromIndex || d > toIndex || traffic.kind[i] !== k || traffic.url[i] !== u) continue;
    if (BREAKPOINTS.findLastIndex((b) => traffic.vw[i]! >= b) !== bucket) continue;
    total++;
    const key = `${Math.floor(traffic.x[i]! / 10) * 10},${Math.floor(traffic.y[i]! / 10) * 10}`;
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  return { total, cells };
}

/** The tracker's answer in the naive answer's shape. */
export function asAnswer(h: HeatmapLike): { total: number; cells: Map<string, number> } {
  return { total: h.total, cells: new Map(h.cells.map((c) => [`${c.x},${c.y}`, c.count])) };
}
