/**
 * What `createViewer` bakes into index.html (a JSON script tag, read by the app at start), so the
 * app needs no request but the tracker's API. Shared by the Node side and the app.
 */
export interface BakedOptions {
  /** Where each site's pages are loaded from (an origin, e.g. `https://shop.example`), by site id. */
  pageOrigins: Record<string, string>;
  /** Where the pages of a site missing from `pageOrigins` are loaded from; absent: the viewer's own origin. */
  pageOrigin?: string;
  /** The dashboard's title (browser tab, header, login page). */
  title: string;
}

/** The id of the script tag that carries the {@link BakedOptions}. */
export const OPTIONS_ELEMENT_ID = 'mt-viewer-options';
