import { InvalidGridOptionError } from './errors';
import { DEFAULT_SITE } from './event';

/** One site a tracker collects for: its id and the hosts its pages are served on. */
export interface SiteOptions {
  /** The site id events are filed under (`[A-Za-z0-9_.-]{1,64}`), e.g. `'shop'`. */
  id: string;
  /**
   * Hosts of the site: `shop.example` matches that host on any port; `localhost:3000` only
   * that port. Lowercase, no scheme, no path.
   */
  hosts: readonly string[];
}

/** Why an event's site could not be decided: its url's host is no configured site's, or a given `site` disagrees. */
export type SiteRejectReason = 'host' | 'site';

const SITE_ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const HOST_RE = /^[a-z0-9.-]+(?::\d{1,5})?$|^\[[0-9a-f:.]+\](?::\d{1,5})?$/;

/**
 * Compiles the site rules once and returns the decision for an event: the site id, or why it is
 * rejected.
 *
 * - **With sites**: an absolute url's host decides the site (`'host'` when no site lists it); a
 *   `site` the event also gives must be the same (`'site'` otherwise). A path has no host: its
 *   `site` must be a configured id (events sent by the host's own code); else `'host'`.
 * - **Without sites** (the embedded default): the given `site`, or `'default'`. Pages on every
 *   host then share one heatmap per path; give each property its own tracker, or list sites.
 *
 * `'default'` given as a site counts as no site.
 */
export function createSiteResolver(
  sites?: readonly SiteOptions[],
): (givenSite: string, host: string | undefined) => string | SiteRejectReason {
  if (sites === undefined || sites.length === 0) return (given) => given;
  const exact = new Map<string, string>();
  const anyPort = new Map<string, string>();
  const ids = new Set<string>();
  for (const site of sites) {
    if (typeof site?.id !== 'string' || !SITE_ID_RE.test(site.id) || site.id === DEFAULT_SITE) {
      throw new InvalidGridOptionError(
        `site id must match [A-Za-z0-9_.-]{1,64} and not be "default", got ${JSON.stringify(site?.id)}`,
      );
    }
    if (ids.has(site.id)) throw new InvalidGridOptionError(`site ${JSON.stringify(site.id)} is listed twice`);
    ids.add(site.id);
    if (!Array.isArray(site.hosts) || site.hosts.length === 0) {
      throw new InvalidGridOptionError(`site ${JSON.stringify(site.id)} needs hosts: ['shop.example', …]`);
    }
    for (const raw of site.hosts) {
      const host = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
      if (!HOST_RE.test(host)) {
        throw new InvalidGridOptionError(
          `host ${JSON.stringify(raw)} of site ${JSON.stringify(site.id)} must be a host name like "shop.example" or "localhost:3000"`,
        );
      }
      const owner = exact.get(host) ?? anyPort.get(host);
      if (owner !== undefined && owner !== site.id) {
        throw new InvalidGridOptionError(`host ${host} is listed by sites ${owner} and ${site.id}`);
      }
      (/:\d+$/.test(host) ? exact : anyPort).set(host, site.id);
    }
  }
  return (given, host) => {
    let site: string | undefined;
    if (host !== undefined) {
      site = exact.get(host) ?? anyPort.get(host.replace(/:\d+$/, ''));
      if (site === undefined) return 'host';
      return given === DEFAULT_SITE || given === site ? site : 'site';
    }
    return ids.has(given) ? given : 'host';
  };
}
