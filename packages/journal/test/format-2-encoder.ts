/**
 * A copy of the format 2 batch encoder (`encodeBatch` before format 3), kept so tests can write
 * the frames older versions wrote: clicks, scrolls and moves without elements.
 */
import type { HeatEvent } from '@monkeytracker/grid';
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false });
const CODE: Record<string, number> = { click: 0, scroll: 1, move: 2 };

function uvarint(out: number[], value: number): void {
  while (value > 0x7f) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

/** The format 2 payload of `events` (kinds click, scroll, move only) at position `o`. */
export function encodeFormat2(events: readonly HeatEvent[], o: number, c = false): Uint8Array {
  const n = events.length;
  const urls: string[] = [];
  const sites: string[] = [];
  const urlIds = events.map((e) => (urls.includes(e.url) ? urls.indexOf(e.url) : urls.push(e.url) - 1));
  const siteIds = events.map((e) =>
    sites.includes(e.site) ? sites.indexOf(e.site) : sites.push(e.site) - 1,
  );
  const b: number[] = events.map((e) => {
    const code = CODE[e.kind];
    if (code === undefined) throw new Error(`format 2 has no kind ${e.kind}`);
    return code;
  });
  const offs: number[] = [b.length];
  events.forEach((e, i) => {
    if (i === 0) uvarint(b, e.t);
    else {
      const d = e.t - (events[i - 1] as HeatEvent).t;
      uvarint(b, d >= 0 ? d * 2 : -d * 2 - 1);
    }
  });
  offs.push(b.length);
  for (const u of urlIds) uvarint(b, u);
  offs.push(b.length);
  if (sites.length > 1) for (const s of siteIds) uvarint(b, s);
  for (const field of ['x', 'y', 'vw', 'vh'] as const) {
    offs.push(b.length);
    for (const e of events) uvarint(b, e[field]);
  }
  let lo = 0;
  let hi = 0;
  if (n > 0) {
    lo = Math.min(...events.map((e) => e.t));
    hi = Math.max(...events.map((e) => e.t));
  }
  return packr.pack({ v: 2, n, o, c, lo, hi, urls, sites, offs, cols: Uint8Array.from(b) });
}
