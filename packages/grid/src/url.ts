import { InvalidGridOptionError, InvalidUrlError } from './errors';

/** Options of {@link normalizeUrl} and {@link createUrlNormalizer}. */
export interface UrlOptions {
  /** Query keys to keep (all others are dropped). Kept keys are sorted. Default none. */
  keepQuery?: readonly string[];
  /**
   * Path templates, tried in order; a path that matches one is replaced by it, so
   * `/product/17` and `/product/18` share the heatmap of `/product/:id`. `:name` matches one
   * path segment; a final `*` matches one or more segments.
   */
  templates?: readonly string[];
}

/** A url split the way MonkeyTracker keys pages: the host decides the site, the path the page. */
export interface ParsedPageUrl {
  /** Lowercased host of an absolute url (`shop.example`, `localhost:3000`: default ports dropped), or `undefined` for a path. */
  host: string | undefined;
  /** The page: the normalized path plus the kept query, e.g. `/product/:id?color=red`. */
  page: string;
}

const SCHEME_RE = /^[a-zA-Z][a-zA-Z\d+.-]*:/;
const PATH_BASE = 'http://monkeytracker.invalid';

interface CompiledTemplate {
  template: string;
  pattern: RegExp;
}

function compileTemplate(template: string): CompiledTemplate {
  if (typeof template !== 'string' || !template.startsWith('/')) {
    throw new InvalidGridOptionError(
      `url template must be a path starting with "/", got ${JSON.stringify(template)}`,
    );
  }
  const segments = template.split('/').slice(1);
  const parts = segments.map((segment, i) => {
    if (segment === '*') {
      if (i !== segments.length - 1) {
        throw new InvalidGridOptionError(`"*" may only end a url template, in ${JSON.stringify(template)}`);
      }
      return '.+';
    }
    if (/^:[A-Za-z_][\w-]*$/.test(segment)) return '[^/]+';
    if (segment.includes(':') || segment.includes('*')) {
      throw new InvalidGridOptionError(
        `url template segment ${JSON.stringify(segment)} in ${JSON.stringify(template)} must be literal, ":name" or a final "*"`,
      );
    }
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return { template, pattern: new RegExp(`^/${parts.join('/')}$`) };
}

function normalizePath(pathname: string, templates: readonly CompiledTemplate[]): string {
  let path = pathname.length > 1 && pathname.endsWith('/') ? pathname.replace(/\/+$/, '') || '/' : pathname;
  for (const { template, pattern } of templates) {
    if (pattern.test(path)) {
      path = template;
      break;
    }
  }
  return path;
}

function normalizeQuery(params: URLSearchParams, keep: ReadonlySet<string>): string {
  if (keep.size === 0) return '';
  const kept: [string, string][] = [];
  for (const [k, v] of params) if (keep.has(k)) kept.push([k, v]);
  if (kept.length === 0) return '';
  // Stable sort by key: the order of a repeated key's values is meaningful, parameter order is not.
  kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `?${new URLSearchParams(kept).toString()}`;
}

/**
 * Compiles url options once and returns a fast parser: the host (for the site) and the
 * normalized page of an absolute url or a path, or `undefined` for a url that cannot be parsed
 * (the ingest path rejects such events with reason `'url'`). See {@link normalizeUrl}.
 */
export function createUrlParser(options: UrlOptions = {}): (url: string) => ParsedPageUrl | undefined {
  const templates = (options.templates ?? []).map(compileTemplate);
  const keep = new Set(options.keepQuery ?? []);
  return (url: string) => {
    if (typeof url !== 'string' || url.length === 0) return undefined;
    const absolute = SCHEME_RE.test(url);
    let parsed: URL;
    try {
      parsed = new URL(absolute ? url : url.startsWith('/') ? url : `/${url}`, PATH_BASE);
    } catch {
      return undefined;
    }
    // URL lowercases the host, drops default ports, and encodes the path consistently.
    const page = `${normalizePath(parsed.pathname, templates)}${normalizeQuery(parsed.searchParams, keep)}`;
    return { host: absolute && parsed.host !== '' ? parsed.host : undefined, page };
  };
}

/** {@link createUrlParser} for the page alone: `/product/:id` for `https://shop.example/product/17/`. */
export function createUrlNormalizer(options: UrlOptions = {}): (url: string) => string | undefined {
  const parse = createUrlParser(options);
  return (url: string) => parse(url)?.page;
}

/**
 * The page of a url, so that one page gets one heatmap: drops scheme and host (the host decides
 * the site, see `createSiteResolver`), drops the fragment, drops query parameters except
 * `keepQuery` (kept ones sorted), strips a trailing slash except at the root, and maps paths
 * onto `templates`. Accepts absolute urls and paths. Throws `InvalidUrlError` for a url that
 * cannot be parsed.
 *
 * For many urls, {@link createUrlNormalizer} compiles the options once.
 *
 * @example
 * ```ts
 * normalizeUrl('HTTPS://Shop.example/product/17/?utm_source=x&color=red#reviews', {
 *   keepQuery: ['color'],
 *   templates: ['/product/:id'],
 * }); // '/product/:id?color=red'
 * ```
 */
export function normalizeUrl(url: string, options: UrlOptions = {}): string {
  const result = createUrlNormalizer(options)(url);
  if (result === undefined)
    throw new InvalidUrlError(`cannot parse url ${JSON.stringify(String(url).slice(0, 200))}`);
  return result;
}
