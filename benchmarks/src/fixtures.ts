/**
 * Seeded synthetic traffic shared by the benchmark areas: clicks on gaussian hot spots
 * (buttons, links, a hero), a few viewport sizes, a Zipf-like url popularity, increasing time.
 */
import type { GridIndex, HeatEventInput } from '@monkeytracker/grid';
import { GridBuilder } from '@monkeytracker/grid';
import { gaussian, seededRandom } from './harness.ts';

/** Hot spots of a typical landing page: [x, y, spread x, spread y, weight]. */
const HOT_SPOTS: [number, number, number, number, number][] = [
  [640, 90, 120, 20, 5], // navigation
  [420, 520, 60, 18, 8], // primary call to action
  [860, 520, 60, 18, 3], // secondary call to action
  [640, 1400, 300, 200, 4], // feature grid
  [300, 2600, 80, 30, 2], // pricing buttons
  [640, 2600, 80, 30, 3],
  [980, 2600, 80, 30, 2],
  [640, 4200, 400, 60, 1], // footer links
];
const TOTAL_WEIGHT = HOT_SPOTS.reduce((s, h) => s + h[4], 0);
const VIEWPORTS: [number, number][] = [
  [390, 844],
  [414, 896],
  [768, 1024],
  [1280, 720],
  [1440, 900],
  [1920, 1080],
];

/** A page point drawn from the hot spots. */
export function clickPoint(random: () => number): { x: number; y: number } {
  let pick = random() * TOTAL_WEIGHT;
  let spot = HOT_SPOTS[0]!;
  for (const h of HOT_SPOTS) {
    pick -= h[4];
    if (pick <= 0) {
      spot = h;
      break;
    }
  }
  return {
    x: Math.max(0, Math.min(1900, spot[0] + gaussian(random) * spot[2])),
    y: Math.max(0, spot[1] + gaussian(random) * spot[3]),
  };
}

/** Options of {@link makeEvents}. */
export interface EventFixtureOptions {
  count: number;
  seed?: number;
  urls?: number;
  /** First event time (epoch ms). */
  start?: number;
  /** Mean gap between events in ms. */
  gapMs?: number;
  scrollShare?: number;
}

/** `count` raw events as a browser would post them (floats, absolute urls). */
export function makeEvents(options: EventFixtureOptions): HeatEventInput[] {
  const random = seededRandom(options.seed ?? 1);
  const urls = Array.from({ length: options.urls ?? 200 }, (_, i) =>
    i === 0
      ? 'https://shop.example/'
      : `https://shop.example/${i % 3 === 0 ? 'product' : 'blog'}/${i}?utm_source=mail`,
  );
  let t = options.start ?? Date.UTC(2026, 8, 1);
  const gap = options.gapMs ?? 2;
  const scrollShare = options.scrollShare ?? 0.2;
  const events: HeatEventInput[] = new Array(options.count);
  for (let i = 0; i < options.count; i++) {
    // Zipf-like: url k is picked with probability ~ 1/(k+1).
    const u = Math.min(urls.length - 1, Math.floor(urls.length ** random()) - 1);
    const [vw, vh] = VIEWPORTS[Math.floor(random() * VIEWPORTS.length)]!;
    t += random() * 2 * gap;
    if (random() < scrollShare) {
      events[i] = { kind: 'scroll', url: urls[u]!, x: 0, y: vh + random() * 4000, vw, vh, t };
    } else {
      const p = clickPoint(random);
      events[i] = { kind: 'click', url: urls[u]!, x: p.x, y: p.y, vw, vh, t };
    }
  }
  return events;
}

/** A grid index of `clicks` events from the hot spots (a day or month of one page). */
export function makeClickIndex(clicks: number, seed: number, cellSize = 10): GridIndex {
  const random = seededRandom(seed);
  const builder = new GridBuilder({ cellSize });
  for (let i = 0; i < clicks; i++) builder.addEvent(clickPoint(random));
  return builder.toIndex();
}
