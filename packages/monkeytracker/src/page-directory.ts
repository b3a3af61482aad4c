import { createUrlNormalizer, type EventKind, type UrlOptions } from '@monkeytracker/grid';
import type { Series } from './live-cache';

/** One page of one site: its normalized url and its live series (one per kind × bucket). */
export interface Page {
  readonly site: string;
  readonly url: string;
  /** series[kindIndex * bucketCount + bucket]. */
  readonly series: (Series | undefined)[];
}

/** Index of a kind in {@link Page.series}. */
export function kindIndex(kind: EventKind): number {
  return kind === 'click' ? 0 : kind === 'scroll' ? 1 : 2;
}

/** Raw urls remembered per site before the memo starts over (pages themselves are kept). */
const MAX_RAW_URLS = 50_000;

/**
 * Maps the raw url of an event to its {@link Page}, normalizing each distinct raw url once:
 * browsers send the same few urls over and over, and `new URL` is the costliest step of ingest.
 */
export class PageDirectory {
  readonly #normalize: (url: string) => string | undefined;
  // site → raw url → page (null: the url cannot be parsed)
  readonly #raw = new Map<string, Map<string, Page | null>>();
  // site + '\n' + normalized url → page
  readonly #pages = new Map<string, Page>();

  constructor(urls: UrlOptions) {
    this.#normalize = createUrlNormalizer(urls);
  }

  /** Normalizes a url the way ingest does (for queries). */
  normalize(url: string): string | undefined {
    return this.#normalize(url);
  }

  /** The page of a raw event url, or `null` when the url cannot be parsed. */
  resolve(site: string, rawUrl: string): Page | null {
    let memo = this.#raw.get(site);
    if (memo === undefined) this.#raw.set(site, (memo = new Map()));
    let page = memo.get(rawUrl);
    if (page !== undefined) return page;
    const url = this.#normalize(rawUrl);
    page = url === undefined ? null : this.#page(site, url);
    if (memo.size >= MAX_RAW_URLS) memo.clear();
    memo.set(rawUrl, page);
    return page;
  }

  /** The page of an already normalized url, if it has live data. */
  find(site: string, url: string): Page | undefined {
    return this.#pages.get(`${site}\n${url}`);
  }

  #page(site: string, url: string): Page {
    const id = `${site}\n${url}`;
    let page = this.#pages.get(id);
    if (page === undefined) this.#pages.set(id, (page = { site, url, series: [] }));
    return page;
  }
}
