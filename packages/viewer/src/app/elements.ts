// Element mode: each clicked element of an element heatmap found on the framed page as it is
// laid out now, and its inner cells turned into heat points on its current box.
//
// The selectors (`[data-mt="buy"]`, `#signup`, `body>main>p:nth-of-type(3)`) are looked up with
// `querySelector` in the framed document; the lookups are cached for one version of the frame
// (a load, a resize or a DOM change makes a new one), while the boxes are read on every paint
// (`getBoundingClientRect` plus the frame's scroll offsets), so a sticky or fixed header's heat
// follows it at every scroll depth. An element that is not found, has no box (display: none),
// or is on a page that cannot be looked into (another origin) is drawn at the average box it
// had when it was clicked, which the answer carries.
import type { Box, ElementHeat, ElementHeatmap } from './api';
import type { FrameContext } from './stage';

/** One element of the answer and where it is drawn. */
export interface Placed {
  heat: ElementHeat;
  /** Its box now (page px), or the recorded average box when `onPage` is false. */
  box: Box;
  onPage: boolean;
}

/** Where the elements of an answer are drawn, and how many could not be found. */
export interface Placement {
  placed: Placed[];
  /** Whether the page could be looked into (same origin and loaded). */
  searched: boolean;
  /** Elements drawn at their recorded box, and their events. */
  missing: number;
  missingEvents: number;
}

/** Looks elements up in the framed page, caching the lookups per frame version. */
export class ElementLocator {
  private doc: Document | undefined;
  private version = -1;
  private readonly cache = new Map<string, Element | null>();

  /** The element `selector` names in the frame (`null`: none, or an invalid selector). */
  find(context: FrameContext, selector: string): Element | null {
    if (context.doc !== this.doc || context.version !== this.version) {
      this.cache.clear();
      this.doc = context.doc;
      this.version = context.version;
    }
    let el = this.cache.get(selector);
    if (el === undefined || (el !== null && !el.isConnected)) {
      try {
        el = context.doc.querySelector(selector);
      } catch {
        el = null; // not a selector this browser understands
      }
      this.cache.set(selector, el);
    }
    return el;
  }

  /** Places every element of `answer`: on its current box when found, else on its recorded one. */
  place(answer: ElementHeatmap, context: FrameContext | undefined): Placement {
    const placed: Placed[] = [];
    let missing = 0;
    let missingEvents = 0;
    const scrollX = context ? context.win.scrollX : 0;
    const scrollY = context ? context.win.scrollY : 0;
    for (const heat of answer.elements) {
      let box: Box | undefined;
      const el = context ? this.find(context, heat.selector) : null;
      if (el) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 || r.height > 0)
          box = { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height };
      }
      if (!box) {
        missing++;
        missingEvents += heat.count;
      }
      placed.push({ heat, box: box ?? heat.box, onPage: !!box });
    }
    return { placed, searched: !!context, missing, missingEvents };
  }
}

interface Point {
  x: number;
  y: number;
  count: number;
}

// Reused between paints (painting is synchronous): the heat points of the last placement.
const pool: Point[] = [];

/**
 * The heat points of a placement, in page px: each inner cell at its centre on the element's
 * box, `box.x + (cell.x + units / 2) / 1000 × box.width` (the same for y), weighted by its count.
 * The returned array is reused by the next call.
 */
export function heatPoints(placement: Placement, units: number): Point[] {
  let n = 0;
  for (const p of placement.placed) {
    const { x, y, width, height } = p.box;
    const kx = width / 1000;
    const ky = height / 1000;
    for (const c of p.heat.cells) {
      let point = pool[n];
      if (!point) pool.push((point = { x: 0, y: 0, count: 0 }));
      point.x = x + (c.x + units / 2) * kx;
      point.y = y + (c.y + units / 2) * ky;
      point.count = c.count;
      n++;
    }
  }
  return n === pool.length ? pool : pool.slice(0, n);
}

/**
 * The point radius for an answer, page px: twice the size of an element's inner cell (its box
 * over the grid), averaged over the clicks, between 8 and 18 px (the page mode's radius), so a
 * click on a small icon stays on the icon and a click on a wide card reads as a spot.
 */
export function elementRadius(answer: ElementHeatmap, max: number): number {
  let sum = 0;
  let n = 0;
  const cells = Math.max(1, answer.grid.cells);
  for (const e of answer.elements) {
    sum += (Math.max(e.box.width, e.box.height) / cells) * e.count;
    n += e.count;
  }
  return n > 0 ? Math.max(8, Math.min(max, (2 * sum) / n)) : max;
}

/** The element under page point `(x, y)`: the smallest box holding it. */
export function elementAt(placement: Placement, x: number, y: number): Placed | undefined {
  let best: Placed | undefined;
  let area = Number.POSITIVE_INFINITY;
  for (const p of placement.placed) {
    const b = p.box;
    if (x < b.x || y < b.y || x > b.x + b.width || y > b.y + b.height) continue;
    const a = b.width * b.height;
    if (a < area) {
      area = a;
      best = p;
    }
  }
  return best;
}

const ORDINAL = ['th', 'st', 'nd', 'rd'];
const ordinal = (n: number) => {
  const v = n % 100;
  return `${n}${ORDINAL[(v - 20) % 10] ?? ORDINAL[v] ?? 'th'}`;
};

/**
 * A selector as a person reads it: `[data-mt="plans"]>div:nth-of-type(2)>button` → `plans › 2nd
 * div › button`, `body>main>p:nth-of-type(3)` → `main › 3rd p`, `#signup` stays. Long paths keep
 * their first step and the last two (`a › … › 2nd li › a`).
 */
export function shortSelector(selector: string): string {
  const steps = selector
    .split('>')
    .filter((s, i) => !(i === 0 && s === 'body'))
    .map((step) => {
      const named = /^\[data-mt="(.*)"\]$/.exec(step);
      if (named) return named[1]!;
      const nth = /^([a-z][\w-]*):nth-of-type\((\d+)\)$/i.exec(step);
      if (nth) return `${ordinal(Number(nth[2]))} ${nth[1]}`;
      return step;
    });
  if (steps.length > 4) steps.splice(1, steps.length - 3, '…');
  return steps.join(' › ') || selector;
}
