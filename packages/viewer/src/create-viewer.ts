import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ViewerNotBuiltError, ViewerOptionError } from './errors';
import { escapeHtml, loginPage as signInPage } from './login-page';
import { type BakedOptions, OPTIONS_ELEMENT_ID } from './viewer-config';

/** One file the handler serves under `{prefix}/viewer/`. */
export interface ViewerAsset {
  body: Uint8Array | string;
  contentType: string;
  /** A content-hashed name: the handler lets browsers cache it for a year. */
  immutable?: boolean;
  /** The `Content-Security-Policy` of an HTML asset when it needs its own (the sign-in page's inline script). */
  contentSecurityPolicy?: string;
}

/**
 * What the handler of `monkeytracker/http` serves under `{prefix}/viewer/` (its `viewer` option,
 * typed there structurally as `ViewerApp`).
 */
export interface ViewerApp {
  /**
   * The asset at `path` under `{prefix}/viewer/` (`'index.html'` for the directory itself; a
   * leading `/` is ignored), or `undefined` for anything else (the handler answers 404).
   */
  asset(path: string): ViewerAsset | undefined;
  /**
   * The page answered with `401` to a browser that may not read: a form that stores the read
   * token in the cookie `monkeytracker_token` (Path = the prefix, SameSite=Strict, Secure on
   * https) and reloads. It contains no data.
   */
  loginPage: ViewerAsset;
}

/** Options of {@link createViewer}. */
export interface ViewerOptions {
  /**
   * Where the tracked pages are loaded from, to show them beneath the heat: an origin such as
   * `'https://shop.example'`, or a function of the site id that returns one (or `undefined` for
   * the default). Default: the viewer's own origin (a tracker embedded in the server of its
   * pages). Page urls are paths (the tracker keys pages by path), so the frame shows
   * `pageOrigin + url`. Pages on another origin must allow being framed by the viewer's origin
   * (`X-Frame-Options` / CSP `frame-ancestors`); their height is then estimated from the data.
   */
  pageOrigin?: string | ((site: string) => string | undefined);
  /**
   * The site ids a `pageOrigin` function is asked about when the viewer is created (functions
   * cannot run in the browser, so their answers are baked in). Pass the tracker's `sites`
   * (objects with an `id` are fine). Default `['default']`.
   */
  sites?: readonly (string | { id: string })[];
  /** The dashboard's title: browser tab, header, login page. Default `'MonkeyTracker'`. */
  title?: string;
}

interface Manifest {
  /** File name → content type, every file of the app (content-hashed names). */
  files: Record<string, string>;
  /** The entry script and style sheet. */
  entry: { js: string; css: string };
}

const HTML = 'text/html; charset=utf-8';

/** dist/app/ beside the built module, or (running from src/ in the workspace) ../dist/app/. */
function appDir(): string {
  for (const relative of ['./app/', '../dist/app/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}manifest.json`)) return dir;
  }
  throw new ViewerNotBuiltError(
    'the viewer app is not built: dist/app/manifest.json is missing; run `pnpm --filter @monkeytracker/viewer build` (or reinstall the package)',
  );
}

function origin(value: unknown, what: string): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {}
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ViewerOptionError(
      `${what} must be an http(s) origin such as 'https://shop.example', got ${JSON.stringify(value)}`,
    );
  }
  return url.origin;
}

function bake(options: ViewerOptions): BakedOptions {
  const title = options.title ?? 'MonkeyTracker';
  if (typeof title !== 'string' || title.trim() === '' || title.length > 120) {
    throw new ViewerOptionError(
      `title must be a non-empty string of at most 120 characters, got ${JSON.stringify(title)}`,
    );
  }
  const baked: BakedOptions = { pageOrigins: {}, title: title.trim() };
  const pageOrigin = options.pageOrigin;
  if (typeof pageOrigin === 'function') {
    const sites = options.sites ?? ['default'];
    if (!Array.isArray(sites)) {
      throw new ViewerOptionError(
        "sites must be an array of site ids (or of { id } objects, such as the tracker's sites)",
      );
    }
    for (const site of sites) {
      const id = typeof site === 'string' ? site : site?.id;
      if (typeof id !== 'string' || id === '') {
        throw new ViewerOptionError(`sites must hold site ids, got ${JSON.stringify(site)}`);
      }
      const answer = pageOrigin(id);
      if (answer !== undefined) baked.pageOrigins[id] = origin(answer, `pageOrigin('${id}')`);
    }
  } else if (pageOrigin !== undefined) {
    baked.pageOrigin = origin(pageOrigin, 'pageOrigin');
  }
  return baked;
}

/** JSON that is safe inside a `<script>` element (no `</script>`, no `<!--`). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Creates the heatmap dashboard for the tracker's HTTP handler:
 * `createHandler(tracker, { viewer: createViewer(), authorize })` serves it at
 * `{prefix}/viewer/`, behind the handler's `authorize` like every read. The app is built and
 * self-contained (no CDN, no fonts, nothing fetched but the tracker's API, with relative urls so
 * any prefix works); `createViewer` reads it from the package's `dist/app/` once and bakes the
 * options into `index.html`. Scripts and styles have content-hashed names (`immutable`), so
 * browsers cache them forever and `index.html` picks up new ones on upgrade.
 *
 * Throws `VIEWER_INVALID_OPTION` for a bad option and `VIEWER_NOT_BUILT` when `dist/app/` is
 * missing, at creation, never while serving.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createTracker } from 'monkeytracker';
 * import { bearerToken, createHandler } from 'monkeytracker/http';
 * import { createViewer } from '@monkeytracker/viewer';
 *
 * const tracker = await createTracker({ journal: { dir: './data/journal' } });
 * const handler = createHandler(tracker, {
 *   viewer: createViewer({ pageOrigin: 'https://shop.example' }),
 *   authorize: bearerToken(process.env.MONKEYTRACKER_READ_TOKEN!),
 * });
 * createServer(handler).listen(3000); // the dashboard: http://localhost:3000/mt/viewer/
 * ```
 */
export function createViewer(options: ViewerOptions = {}): ViewerApp {
  if (typeof options !== 'object' || options === null) {
    throw new ViewerOptionError('createViewer takes an options object (or nothing)');
  }
  const baked = bake(options);
  const dir = appDir();
  const manifest = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as Manifest;
  const assets = new Map<string, ViewerAsset>();
  for (const [name, contentType] of Object.entries(manifest.files)) {
    assets.set(name, { body: readFileSync(dir + name), contentType, immutable: true });
  }
  const title = escapeHtml(baked.title);
  const index = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${manifest.entry.css}">
</head>
<body>
<div id="app"></div>
<noscript>${title} needs JavaScript to draw heatmaps.</noscript>
<script type="application/json" id="${OPTIONS_ELEMENT_ID}">${scriptJson(baked)}</script>
<script src="${manifest.entry.js}" defer></script>
</body>
</html>
`;
  assets.set('index.html', { body: index, contentType: HTML });
  const signIn = signInPage(baked.title);
  const loginPage: ViewerAsset = {
    body: signIn.html,
    contentType: HTML,
    contentSecurityPolicy: signIn.contentSecurityPolicy,
  };
  return {
    asset(path: string): ViewerAsset | undefined {
      if (typeof path !== 'string') return undefined;
      const name = path.replace(/^\/+/, '') || 'index.html';
      return assets.get(name);
    },
    loginPage,
  };
}
