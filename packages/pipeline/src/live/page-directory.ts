import { createUrlNormalizer, type EventKind, type UrlOptions } from '@monkeytracker/grid';
import type { Series } from './live-cache';

/** One page of one site: its normalized url and its live series (one per kind × bucket). */
export interface Page {
  readonly site: string;
  readonly url: string;
  /** series[kindIndex * bucketCount + bucket]. */
  readonly series: (Series | undefined)[];
  /** Series in use; the page is forgotten when it drops to 0. */
  live: number;
}

/** Index of a kind in {@link Page.series}. */
export function kindIndex(kind: EventKind): number {
  return kind === 'click' ? 0 : kind === 'scroll' ? 1 : 2;
}

/** Raw urls remembered per site before the memo starts over (pages themselves are kept while live). */
const MAX_RAW_URLS = 50_000;

/** Rough bytes the directory holds per page beside its url (objects, map entries). */
export const PAGE_OVERHEAD_BYTES = 200;

/**
 * Maps the raw url of an event to its {@link Page}, normalizing each distinct raw url once:
 * browsers send the same few urls over and over, and `new URL` is the costliest step of ingest.
 * A page with no live series left is forgotten, so the directory holds only what the live cache
 * holds.
 */
export class PageDirectory {
  readonly #normalize: (url: string) => string | undefined;
  // site → raw url → page (null: the url cannot be parsed)
  #raw = new Map<string, Map<string, Page | null>>();
  #rawCount = 0;
  #rawBytes = 0;
  // site + '\n' + normalized url → page
  readonly #pages = new Map<string, Page>();
  #pageBytes = 0;

  constructor(urls: UrlOptions) {
    this.#normalize = createUrlNormalizer(urls);
  }

  /** Normalizes a url the way ingest does (for queries). */
  normalize(url: string): string | undefined {
    return this.#normalize(url);
  }

  /** Number of pages held. */
  get size(): number {
    return this.#pages.size;
  }

  /** Bytes the directory holds: url strings (2 per UTF-16 unit) and per-page bookkeeping. */
  get bytes(): number {
    return this.#pageBytes + this.#rawBytes;
  }

  /** The page of a raw event url, or `null` when the url cannot be parsed. */
  resolve(site: string, rawUrl: string): Page | null {
    let memo = this.#raw.get(site);
    if (memo === undefined) this.#raw.set(site, (memo = new Map()));
    let page = memo.get(rawUrl);
    if (page !== undefined) {
      // A memoised page that was forgotten meanwhile is looked up again.
      if (page === null || page.live > 0 || this.#pages.get(`${page.site}\n${page.url}`) === page)
        return page;
    }
    const url = this.#normalize(rawUrl);
    page = url === undefined ? null : this.#page(site, url);
    if (this.#rawCount >= MAX_RAW_URLS) {
      this.#raw = new Map([[site, (memo = new Map())]]);
      this.#rawCount = 0;
      this.#rawBytes = 0;
    }
    if (!memo.has(rawUrl)) {
      this.#rawCount++;
      this.#rawBytes += rawUrl.length * 2 + 64;
    }
    memo.set(rawUrl, page);
    return page;
  }

  /** The page of an already normalized url, if it has live data. */
  find(site: string, url: string): Page | undefined {
    return this.#pages.get(`${site}\n${url}`);
  }

  /** Drops a page whose last live series is gone. */
  forget(page: Page): void {
    const id = `${page.site}\n${page.url}`;
    if (page.live === 0 && this.#pages.get(id) === page) {
      this.#pages.delete(id);
      this.#pageBytes -= (page.url.length + page.site.length) * 2 + PAGE_OVERHEAD_BYTES;
    }
  }

  #page(site: string, url: string): Page {
    const id = `${site}\n${url}`;
    let page = this.#pages.get(id);
    if (page === undefined) {
      this.#pages.set(id, (page = { site, url, series: [], live: 0 }));
      this.#pageBytes += (url.length + site.length) * 2 + PAGE_OVERHEAD_BYTES;
    }
    return page;
  }
}
