// Page mode: the heat of `position: fixed` and `position: sticky` elements rides with them.
//
// The snippet sends a click on a fixed or sticky element (or inside one) in viewport
// coordinates (clientX / clientY), so in page coordinates it is stored where the element sits at
// scroll 0. Drawn as stored, a sticky header's heat would stay at the top of the page while the
// header moves down with the viewport. So, for every fixed or sticky element of the framed page,
// each heat cell whose centre lies inside the element's box at scroll 0 is drawn shifted by
// (its box now − its box at scroll 0). Why that is right: at scroll 0 the fixed or sticky element
// covers that area, so every click stored there is a click on it — either sent in viewport
// coordinates, or made at scroll 0 on top of it.
//
// Cost: the elements are found once per frame version (a load, a resize or a DOM change; see
// `FrameContext`): one walk over at most MAX_EXAMINED elements of the body, `getComputedStyle`,
// at most MAX_PINNED kept. Which cells fall in which box is worked out once per answer and
// version; a paint reads the kept elements' boxes and moves only the cells inside them.
// A page on another origin cannot be looked into: its heat is drawn as stored.
import type { Box, Cell, HeatmapRange } from './api';
import type { FrameContext } from './stage';

/** Elements examined per scan, in document order. */
export const MAX_EXAMINED = 2000;
/** Fixed and sticky elements kept per scan. */
export const MAX_PINNED = 50;

/** A fixed or sticky element of the framed page. */
export interface Pinned {
  el: Element;
  position: 'fixed' | 'sticky';
  /** Its page box when the page is scrolled to 0 (page px). */
  box: Box;
}

/**
 * The fixed and sticky elements of a document with their boxes at scroll 0 (not `html` or
 * `body`, none of zero area, none inside another one found: the outer box holds its clicks).
 * A fixed element's viewport box is its scroll-0 page box; a sticky one is measured with the
 * page briefly scrolled to 0 (and straight back, before anything is painted).
 */
export function findPinned(doc: Document, win: Window): Pinned[] {
  const root = doc.body ?? doc.documentElement;
  if (!root) return [];
  const all = root.querySelectorAll('*');
  const n = Math.min(all.length, MAX_EXAMINED);
  const found: { el: Element; position: 'fixed' | 'sticky' }[] = [];
  for (let i = 0; i < n && found.length < MAX_PINNED; i++) {
    const el = all[i]!;
    if (el === doc.documentElement || el === doc.body) continue;
    const position = win.getComputedStyle(el).position;
    if (position !== 'fixed' && position !== 'sticky') continue;
    if (found.some((f) => f.el.contains(el))) continue;
    found.push({ el, position });
  }
  if (found.length === 0) return [];
  const sx = win.scrollX;
  const sy = win.scrollY;
  const moved = (sx !== 0 || sy !== 0) && found.some((f) => f.position === 'sticky');
  if (moved) win.scrollTo({ left: 0, top: 0, behavior: 'instant' });
  const out: Pinned[] = [];
  try {
    for (const { el, position } of found) {
      const r = el.getBoundingClientRect();
      if (!(r.width > 0 && r.height > 0)) continue;
      // Fixed: the viewport box is the page box at scroll 0, whatever the scroll now.
      const box =
        position === 'fixed'
          ? { x: r.left, y: r.top, width: r.width, height: r.height }
          : { x: r.left + win.scrollX, y: r.top + win.scrollY, width: r.width, height: r.height };
      out.push({ el, position, box });
    }
  } finally {
    if (moved) win.scrollTo({ left: sx, top: sy, behavior: 'instant' });
  }
  return out;
}

/** Which cells of one range lie in which pinned box, and the moved copies drawn instead. */
interface Grouping {
  pins: Pinned[];
  /** The range as drawn: the cells outside every box, then the copies of those inside. */
  range: HeatmapRange;
  /** Per pinned element with cells in its box: its index and its copies' span in `range.cells`. */
  groups: { pin: number; from: number; to: number }[];
  /** The stored cells the copies stand for, aligned with `range.cells`. */
  stored: Cell[];
}

const groupings = new WeakMap<HeatmapRange, Grouping>();

function group(range: HeatmapRange, pins: Pinned[]): Grouping {
  const half = range.cellSize / 2;
  const rest: Cell[] = [];
  const inside: Cell[][] = pins.map(() => []);
  for (const c of range.cells) {
    const x = c.x + half;
    const y = c.y + half;
    const i = pins.findIndex(({ box: b }) => x >= b.x && y >= b.y && x < b.x + b.width && y < b.y + b.height);
    if (i < 0) rest.push(c);
    else inside[i]!.push(c);
  }
  const cells = rest;
  const stored: Cell[] = new Array(rest.length);
  const groups: Grouping['groups'] = [];
  inside.forEach((list, pin) => {
    if (list.length === 0) return;
    const from = cells.length;
    for (const c of list) {
      stored[cells.length] = c;
      cells.push({ x: c.x, y: c.y, count: c.count });
    }
    groups.push({ pin, from, to: cells.length });
  });
  return { pins, range: { ...range, cells }, groups, stored };
}

/** Finds a framed page's fixed and sticky elements (once per frame version) and moves their heat along. */
export class PinnedLocator {
  private doc: Document | undefined;
  private version = -1;
  private pins: Pinned[] = [];

  /** The fixed and sticky elements of the frame, scanned again when its version changes. */
  pinned(context: FrameContext): Pinned[] {
    if (context.doc !== this.doc || context.version !== this.version) {
      this.doc = context.doc;
      this.version = context.version;
      try {
        this.pins = findPinned(context.doc, context.win);
      } catch {
        this.pins = [];
      }
    }
    return this.pins;
  }

  /**
   * `range` as drawn now: the cells in a fixed or sticky element's scroll-0 box moved by where
   * the element is now minus where it is at scroll 0; `range` itself when nothing moves (no
   * frame to look into, no such element, none moved). The returned range is reused by the next
   * call for the same range.
   */
  drawn(range: HeatmapRange, context: FrameContext | undefined): HeatmapRange {
    if (!context || range.cells.length === 0) return range;
    const pins = this.pinned(context);
    if (pins.length === 0) return range;
    let g = groupings.get(range);
    if (!g || g.pins !== pins) groupings.set(range, (g = group(range, pins)));
    if (g.groups.length === 0) return range;
    const win = context.win;
    let any = false;
    const cells = g.range.cells;
    for (const { pin, from, to } of g.groups) {
      const p = pins[pin]!;
      let dx = 0;
      let dy = 0;
      if (p.el.isConnected) {
        const r = p.el.getBoundingClientRect();
        dx = r.left + win.scrollX - p.box.x;
        dy = r.top + win.scrollY - p.box.y;
      }
      if (dx !== 0 || dy !== 0) any = true;
      for (let i = from; i < to; i++) {
        const s = g.stored[i]!;
        const c = cells[i]!;
        c.x = s.x + dx;
        c.y = s.y + dy;
      }
    }
    return any ? g.range : range;
  }
}
