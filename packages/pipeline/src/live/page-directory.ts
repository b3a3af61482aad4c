import {
  createSiteResolver,
  createUrlParser,
  type EventKind,
  type IndexKind,
  type SiteOptions,
  type UrlOptions,
} from '@monkeytracker/grid';
import type { Series } from './live-cache';

/** One page of one site: its normalized url and its live series (one per index kind × bucket). */
export interface Page {
  readonly site: string;
  readonly url: string;
  /** series[kindIndex * bucketCount + bucket]. */
  readonly series: (Series | undefined)[];
  /** Series in use; the page is forgotten when it drops to 0. */
  live: number;
  /** The last local day the page budget admitted this page (-1: none yet). */
  admittedDay: number;
}

/** Index of an index kind in {@link Page.series}: the event kinds, then their element indexes. */
export function kindIndex(kind: IndexKind): number {
  switch (kind) {
    case 'click':
      return 0;
    case 'scroll':
      return 1;
    case 'move':
      return 2;
    case 'rage':
      return 3;
    case 'dead':
      return 4;
    case 'el:click':
      return 5;
    case 'el:rage':
      return 6;
    default:
      return 7;
  }
}

/** {@link kindIndex} of the element index kind of an event kind (`click` → `el:click`). */
export function elementKindIndex(kind: EventKind): number {
  return kind === 'click' ? 5 : kind === 'rage' ? 6 : 7;
}

/** Raw urls remembered before the memo starts over (pages themselves are kept while live)… */
const MAX_RAW_URLS = 50_000;
/** …or bytes of them: 2 KB urls would otherwise make the memo 100 MB. */
const MAX_RAW_BYTES = 16 * 2 ** 20;

/** Rough bytes the directory holds per page beside its url (objects, map entries). */
export const PAGE_OVERHEAD_BYTES = 200;

/** Why an event's url found no page: unparseable, a host no site lists, or a site that disagrees with its host. */
export type PageRejectReason = 'url' | 'host' | 'site';

/**
 * Maps the raw url (and claimed site) of an event to its {@link Page} — the site its host
 * belongs to, the page its path normalizes to — deciding each distinct raw url once: browsers
 * send the same few urls over and over, and `new URL` is the costliest step of ingest. A page
 * with no live series left is forgotten, so the directory holds only what the live cache holds.
 */
export class PageDirectory {
  readonly #parse: ReturnType<typeof createUrlParser>;
  readonly #site: ReturnType<typeof createSiteResolver>;
  /** The only configured site, which a query without site or host means. */
  readonly #onlySite: string | undefined;
  // claimed site → raw url → page, or why there is none
  #raw = new Map<string, Map<string, Page | PageRejectReason>>();
  #rawCount = 0;
  #rawBytes = 0;
  // site + '\n' + normalized url → page
  readonly #pages = new Map<string, Page>();
  #pageBytes = 0;

  constructor(urls: UrlOptions, sites?: readonly SiteOptions[]) {
    this.#parse = createUrlParser(urls);
    this.#site = createSiteResolver(sites);
    this.#onlySite = sites?.length === 1 ? sites[0]!.id : undefined;
  }

  /** The page of a query's url the way ingest keys it, and the site its host means (if it has one). */
  locate(url: string): { page: string; site: string | undefined } | undefined {
    const parsed = this.#parse(url);
    if (parsed === undefined) return undefined;
    let site: string | undefined;
    if (parsed.host !== undefined) {
      const decided = this.#site('default', parsed.host);
      site = decided === 'host' || decided === 'site' ? undefined : decided;
    }
    return { page: parsed.page, site: site ?? this.#onlySite };
  }

  /** Number of pages held. */
  get size(): number {
    return this.#pages.size;
  }

  /** Bytes the directory holds: url strings (2 per UTF-16 unit) and per-page bookkeeping. */
  get bytes(): number {
    return this.#pageBytes + this.#rawBytes;
  }

  /** The page of a raw event url and claimed site, or why there is none. */
  resolve(claimedSite: string, rawUrl: string): Page | PageRejectReason {
    let memo = this.#raw.get(claimedSite);
    if (memo === undefined) this.#raw.set(claimedSite, (memo = new Map()));
    let page = memo.get(rawUrl);
    if (page !== undefined) {
      // A memoised page that was forgotten meanwhile is looked up again.
      if (
        typeof page === 'string' ||
        page.live > 0 ||
        this.#pages.get(`${page.site}\n${page.url}`) === page
      ) {
        return page;
      }
    }
    page = this.#decide(claimedSite, rawUrl);
    if (this.#rawCount >= MAX_RAW_URLS || this.#rawBytes >= MAX_RAW_BYTES) {
      this.#raw = new Map([[claimedSite, (memo = new Map())]]);
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

  /** Every page of `site` with live data. */
  *pagesOf(site: string): IterableIterator<Page> {
    for (const page of this.#pages.values()) if (page.site === site) yield page;
  }

  /** Drops a page whose last live series is gone. */
  forget(page: Page): void {
    const id = `${page.site}\n${page.url}`;
    if (page.live === 0 && this.#pages.get(id) === page) {
      this.#pages.delete(id);
      this.#pageBytes -= (page.url.length + page.site.length) * 2 + PAGE_OVERHEAD_BYTES;
    }
  }

  #decide(claimedSite: string, rawUrl: string): Page | PageRejectReason {
    const parsed = this.#parse(rawUrl);
    if (parsed === undefined) return 'url';
    const site = this.#site(claimedSite, parsed.host);
    if (site === 'host' || site === 'site') return site;
    return this.#page(site, parsed.page);
  }

  #page(site: string, url: string): Page {
    const id = `${site}\n${url}`;
    let page = this.#pages.get(id);
    if (page === undefined) {
      this.#pages.set(id, (page = { site, url, series: [], live: 0, admittedDay: -1 }));
      this.#pageBytes += (url.length + site.length) * 2 + PAGE_OVERHEAD_BYTES;
    }
    return page;
  }
}
