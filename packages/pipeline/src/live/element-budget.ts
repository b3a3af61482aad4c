import type { Page } from './page-directory';

/** Days a page's record is kept after its last admission, for late events. */
const DAYS_KEPT = 4;
/** Rough bytes of one page's record beside its table (map entry, key string, object). */
const RECORD_BYTES = 160;
const EMPTY = 0;

/** The elements one page admitted on its latest day: a set of selector hashes (open addressing). */
interface PageRecord {
  day: number;
  size: number;
  table: Uint32Array;
}

/**
 * The bound on what a public collect endpoint can add to element indexes: at most
 * `maxElementsPerPageDay` distinct selectors per page and local day. A click on a further element
 * still counts in its page grid; only its element part is dropped (and counted). Like the page
 * budget, admissions are remembered for the day whether or not the page still has live data, so
 * unique selectors cannot get past the cap by waiting for a cut. Selectors are remembered as
 * 32-bit hashes (4 bytes each, not the strings): a collision only admits a selector early.
 */
export class ElementBudget {
  // site + '\n' + url → the page's record
  readonly #pages = new Map<string, PageRecord>();
  #newestDay = -1;
  /** Bytes held by the records. */
  bytes = 0;
  /** Clicks whose element was not counted: their page had admitted its elements for the day. */
  refused = 0;

  constructor(readonly maxElementsPerPageDay: number) {}

  /** Whether `selector` may enter the element indexes of `page` on `day`; remembers it if it may. */
  admit(page: Page, selector: string, day: number): boolean {
    if (day > this.#newestDay) this.#advance(day);
    const id = `${page.site}\n${page.url}`;
    let record = this.#pages.get(id);
    if (record === undefined || day > record.day) {
      if (record !== undefined) this.bytes -= record.table.byteLength;
      else this.bytes += RECORD_BYTES + id.length * 2;
      record = { day, size: 0, table: new Uint32Array(16) };
      this.bytes += record.table.byteLength;
      this.#pages.set(id, record);
    }
    // 0 marks a free slot, so a hash of 0 is taken as 1.
    const hash = hashOf(selector) || 1;
    const table = record.table;
    const mask = table.length - 1;
    let slot = Math.imul(hash, 0x9e3779b1) >>> 0;
    for (;;) {
      slot &= mask;
      const k = table[slot]!;
      if (k === hash) return true;
      if (k === EMPTY) break;
      slot++;
    }
    if (record.size >= this.maxElementsPerPageDay) {
      this.refused++;
      return false;
    }
    table[slot] = hash;
    if (++record.size * 4 > table.length * 3) this.#grow(record);
    return true;
  }

  /** A new local day: records of pages not seen for {@link DAYS_KEPT} days are forgotten. */
  #advance(day: number): void {
    this.#newestDay = day;
    for (const [id, record] of this.#pages) {
      if (record.day <= day - DAYS_KEPT) {
        this.#pages.delete(id);
        this.bytes -= record.table.byteLength + RECORD_BYTES + id.length * 2;
      }
    }
  }

  #grow(record: PageRecord): void {
    const old = record.table;
    const table = new Uint32Array(old.length * 2);
    const mask = table.length - 1;
    for (const hash of old) {
      if (hash === EMPTY) continue;
      let slot = Math.imul(hash, 0x9e3779b1) >>> 0;
      while (table[slot & mask] !== EMPTY) slot++;
      table[slot & mask] = hash;
    }
    this.bytes += table.byteLength - old.byteLength;
    record.table = table;
  }
}

/** FNV-1a over the UTF-16 code units. */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
