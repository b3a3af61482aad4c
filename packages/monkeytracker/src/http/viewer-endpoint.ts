/**
 * `{prefix}/viewer/…`: a heatmap viewer app (`createViewer()` of `@monkeytracker/viewer`) served
 * behind the same `authorize` as every read. The HTTP layer knows the app only by this shape.
 */
import type { IncomingMessage } from 'node:http';
import { readAccess } from './access';
import type { EndpointContext } from './endpoints';
import { NotFoundError } from './errors';
import { errorAnswer, type HttpAnswer } from './respond';

/** One file of a viewer app. */
export interface ViewerAsset {
  body: Uint8Array | string;
  contentType: string;
  /** A content-hashed file: cached for a year (privately: it is behind authorize). */
  immutable?: boolean;
  /**
   * The `Content-Security-Policy` of an HTML asset, instead of the viewer's default policy: the
   * sign-in page sends a stricter one that allows its one inline script by hash (the default,
   * `default-src 'self'`, would block it).
   */
  contentSecurityPolicy?: string;
}

/** What the handler's `viewer` option takes: `createViewer()` of `@monkeytracker/viewer` makes one. */
export interface ViewerApp {
  /** The file at `path` under `{prefix}/viewer/` (`'index.html'` for the folder itself), or undefined. */
  asset(path: string): ViewerAsset | undefined;
  /**
   * HTML answered (with `401`) to a browser without valid credentials: a form that stores the
   * read token in the `monkeytracker_token` cookie. It holds no data.
   */
  loginPage?: ViewerAsset;
}

/** The viewer loads its own scripts and styles, the API, and the tracked page in a frame. */
const HTML_POLICY =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-src http: https:; frame-ancestors 'self'; base-uri 'none'; form-action 'self'";

function assetAnswer(status: number, asset: ViewerAsset): HttpAnswer {
  const headers: Record<string, string> = {
    'content-type': asset.contentType,
    'cache-control': asset.immutable ? 'private, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  };
  if (asset.contentType.startsWith('text/html'))
    headers['content-security-policy'] = asset.contentSecurityPolicy ?? HTML_POLICY;
  // For HEAD, Node and Fastify send the headers (the length included) without the body.
  return { status, raw: asset.body, headers };
}

/**
 * Answers `GET`/`HEAD {prefix}/viewer` (a redirect to the folder) and `{prefix}/viewer/<file>`.
 * `rest` is the path after `/viewer`, `search` the query string (kept on the redirect).
 */
export async function viewerAnswer(
  ctx: EndpointContext & { prefix: string; viewer: ViewerApp },
  req: IncomingMessage,
  rest: string,
  search: string,
): Promise<HttpAnswer> {
  if (rest === '') {
    const location = `${ctx.prefix}/viewer/${search ? `?${search}` : ''}`;
    return { status: 308, headers: { location, 'content-length': 0 } };
  }
  const denied = await readAccess(ctx.authorize, req, (err) => ctx.port.onError(err));
  if (denied) {
    // A browser gets the sign-in form (no data in it); scripts get the JSON error.
    const login = ctx.viewer.loginPage;
    if (!login || ctx.authorize === undefined || !/text\/html/.test(req.headers.accept ?? '')) return denied;
    const page = assetAnswer(denied.status, login);
    return { ...page, headers: { ...page.headers, ...denied.headers, 'cache-control': 'no-store' } };
  }
  let path: string;
  try {
    path = decodeURIComponent(rest.slice(1));
  } catch {
    path = '\0';
  }
  if (path === '') path = 'index.html';
  const asset = /(^|\/)\.|\\|\0/.test(path) ? undefined : ctx.viewer.asset(path);
  if (asset === undefined) return errorAnswer(new NotFoundError(`the viewer has no file ${rest.slice(1)}`));
  return assetAnswer(200, asset);
}
