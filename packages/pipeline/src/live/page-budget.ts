import type { Page } from './page-directory';

/** Day sets kept per site: today, yesterday, and a little slack for late or replayed events. */
const DAYS_KEPT_PER_SITE = 4;
/** Rough bytes of one remembered page beside its url's characters (set entry, string header). */
const ENTRY_BYTES = 64;

/**
 * The bound on what a public collect endpoint can make the tracker hold: at most
 * `maxPagesPerSiteDay` distinct pages per site and local day. Each page a day admits is
 * remembered for that day (not only while it has live data), so a stream of unique urls cannot
 * get past the cap by waiting for evictions. A page admitted today is not looked up again until
 * tomorrow: one number compare per event.
 */
export class PageBudget {
  // site → day → pages admitted that day
  readonly #admitted = new Map<string, Map<number, Set<string>>>();
  /** Bytes held by the remembered pages. */
  bytes = 0;

  constructor(readonly maxPagesPerSiteDay: number) {}

  /** Whether `page` may count events on `day`; remembers it if it may. */
  admit(page: Page, day: number): boolean {
    if (page.admittedDay === day) return true;
    let days = this.#admitted.get(page.site);
    if (days === undefined) this.#admitted.set(page.site, (days = new Map()));
    let pages = days.get(day);
    if (pages === undefined) {
      if (days.size >= DAYS_KEPT_PER_SITE) this.#forgetOldest(days);
      days.set(day, (pages = new Set()));
    }
    if (!pages.has(page.url)) {
      if (pages.size >= this.maxPagesPerSiteDay) return false;
      pages.add(page.url);
      this.bytes += page.url.length * 2 + ENTRY_BYTES;
    }
    page.admittedDay = day;
    return true;
  }

  #forgetOldest(days: Map<number, Set<string>>): void {
    let oldest = Number.POSITIVE_INFINITY;
    for (const day of days.keys()) if (day < oldest) oldest = day;
    const pages = days.get(oldest)!;
    for (const url of pages) this.bytes -= url.length * 2 + ENTRY_BYTES;
    days.delete(oldest);
  }
}
