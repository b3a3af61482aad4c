/** Options of {@link startTracking}. */
export interface TrackingOptions {
  /** Where batches are POSTed, e.g. `'/mt/collect'` or `'https://stats.example.com/mt/collect'`. */
  endpoint: string;
  /** Site name sent with every event (the server's default site when absent). */
  site?: string;
  /** Share of page loads tracked, 0–1, decided once per call with `Math.random()`. Default 1. */
  sampleRate?: number;
  /** Send the batch at least this often, in ms. Default 2000. */
  flushMs?: number;
  /** Send as soon as this many events are waiting. Default 50. */
  maxBatch?: number;
  /** Track nothing when the browser sends Do Not Track or Global Privacy Control. Default true. */
  respectDoNotTrack?: boolean;
  /** Record mouse moves too: `true` for one every 100 ms at most, or the interval in ms. Default off. */
  moves?: boolean | number;
  /**
   * Query parameters sent with the url; every other one is dropped in the browser (a query may
   * hold personal data: emails, tokens), and the fragment is never sent. Default none.
   */
  keepQuery?: readonly string[];
}

/** One event as sent to the server; coordinates are page CSS px (for `scroll`, `y` is the deepest point seen). */
export interface TrackedEvent {
  kind: 'click' | 'scroll' | 'move';
  /** The page: origin and path, plus only the `keepQuery` parameters; never the fragment. */
  url: string;
  x: number;
  y: number;
  /** Viewport width and height in CSS px. */
  vw: number;
  vh: number;
  /** Epoch ms. */
  t: number;
  site?: string;
}

/** A running tracker, returned by {@link startTracking}. */
export interface Tracking {
  /** Ends the page view, sends what is waiting and removes every listener. Idempotent. */
  stop(): void;
}

type Kind = TrackedEvent['kind'];

/**
 * The name of the frame `@monkeytracker/viewer` shows tracked pages in: a page loaded in a frame
 * of this name does not track (the viewer's own page views and its page-tall frame would
 * otherwise be counted as visits).
 */
export const PREVIEW_FRAME_NAME = 'monkeytracker-preview';

const inert: Tracking = { stop() {} };

/**
 * Starts tracking the page: clicks (page coordinates), the deepest scroll point of each page
 * view, and optionally throttled mouse moves. Events are batched and POSTed to `endpoint` as a
 * JSON array with `fetch(…, { keepalive: true })` and content type `text/plain` (no CORS
 * preflight); when the page is hidden or unloaded the rest goes with `navigator.sendBeacon`.
 * `history.pushState` / `replaceState` / `popstate` to another path or query start a new page
 * view. Never throws into the page: with Do Not Track / Global Privacy Control (when
 * respected), outside the sample, inside the viewer's preview frame (a frame named
 * {@link PREVIEW_FRAME_NAME}, so looking at a heatmap adds nothing to it), without a DOM, or on
 * any error it returns a tracker that does nothing.
 *
 * @example
 * ```ts
 * import { startTracking } from '@monkeytracker/browser';
 * const tracking = startTracking({ endpoint: '/mt/collect', site: 'shop', sampleRate: 0.25 });
 * // later, e.g. when the user withdraws consent:
 * tracking.stop();
 * ```
 */
export function startTracking(options: TrackingOptions): Tracking {
  try {
    return track(options) ?? inert;
  } catch {
    return inert;
  }
}

function track(options: TrackingOptions): Tracking | undefined {
  const win = window;
  if (win.name === PREVIEW_FRAME_NAME) return;
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
  if (
    options.respectDoNotTrack !== false &&
    (nav.doNotTrack === '1' ||
      (win as { doNotTrack?: string }).doNotTrack === '1' ||
      nav.globalPrivacyControl === true)
  ) {
    return;
  }
  if (!(Math.random() < (options.sampleRate ?? 1))) return;
  const { endpoint, site } = options;
  const keep = options.keepQuery ?? [];
  const maxBatch = options.maxBatch ?? 50;
  const moveMs = options.moves === true ? 100 : +(options.moves || 0);
  const doc = document;
  const loc = location;
  const hist = history;
  const { pushState, replaceState } = hist;

  let queue: TrackedEvent[] = [];
  let url = ''; // the page view's url: origin + path + kept query parameters
  let path = ''; // its pathname + search: a change of it is a new page view
  let depth = 0; // deepest scrollY + innerHeight seen in this view
  let ended = true; // the view's scroll event was queued already
  let lastMove = 0;
  let stopped = false;

  const push = (kind: Kind, x: number, y: number) => {
    const event: TrackedEvent = {
      kind,
      url,
      x: Math.round(x),
      y: Math.round(y),
      vw: win.innerWidth,
      vh: win.innerHeight,
      t: Date.now(),
    };
    if (site) event.site = site;
    if (queue.push(event) >= maxBatch) send(false);
  };

  const send = (beacon: boolean) => {
    if (queue.length === 0) return;
    const body = JSON.stringify(queue);
    queue = [];
    try {
      if (beacon && nav.sendBeacon(endpoint, new Blob([body], { type: 'text/plain' }))) return;
    } catch {}
    fetch(endpoint, {
      method: 'POST',
      body,
      keepalive: true,
      mode: 'no-cors',
      credentials: 'omit',
      headers: { 'content-type': 'text/plain' },
    }).catch(() => {});
  };

  const seen = () => {
    const y = win.scrollY + win.innerHeight;
    if (y > depth) depth = y;
  };

  const endView = () => {
    if (ended) return;
    ended = true;
    seen();
    push('scroll', 0, depth);
  };

  const startView = () => {
    const kept = new URLSearchParams();
    new URLSearchParams(loc.search).forEach((value, key) => {
      if (keep.includes(key)) kept.append(key, value);
    });
    const query = `${kept}`;
    url = loc.origin + loc.pathname + (query ? `?${query}` : '');
    path = loc.pathname + loc.search;
    depth = 0;
    ended = false;
    seen();
  };

  // Every listener goes through `safe`: an error in here is swallowed, never the host's problem.
  const safe =
    <A extends unknown[]>(f: (...args: A) => void) =>
    (...args: A) => {
      try {
        if (!stopped) f(...args);
      } catch {}
    };

  const onRoute = safe(() => {
    if (loc.pathname + loc.search === path) return;
    endView();
    startView();
  });
  const onHide = safe((event: Event) => {
    if (event.type === 'visibilitychange' && doc.visibilityState !== 'hidden') return;
    endView();
    send(true);
  });
  const listeners: [EventTarget, string, (event: never) => void][] = [
    [
      doc,
      'click',
      safe((e: MouseEvent) => {
        seen(); // a click is seen too, even when no scroll event has fired since a jump
        push('click', e.pageX, e.pageY);
      }),
    ],
    [win, 'scroll', safe(seen)],
    [win, 'popstate', onRoute],
    [win, 'pagehide', onHide],
    [doc, 'visibilitychange', onHide],
    // Back from the back/forward cache: the page is shown again as a new view.
    [win, 'pageshow', safe((e: PageTransitionEvent) => e.persisted && startView())],
  ];
  if (moveMs > 0) {
    listeners.push([
      doc,
      'mousemove',
      safe((e: MouseEvent) => {
        // On the clock `t` is read from, so recorded moves are `moveMs` apart in `t` too (an
        // event's timeStamp is when it happened, its handler may run later under load).
        const now = Date.now();
        if (now - lastMove < moveMs) return;
        lastMove = now;
        push('move', e.pageX, e.pageY);
      }),
    ]);
  }
  for (const [target, type, f] of listeners)
    target.addEventListener(type, f as EventListener, { capture: true, passive: true });

  // SPA navigation: wrap the history methods; the host's call goes through untouched.
  function patchedPush(this: History, ...args: Parameters<History['pushState']>) {
    pushState.apply(this, args);
    onRoute();
  }
  function patchedReplace(this: History, ...args: Parameters<History['replaceState']>) {
    replaceState.apply(this, args);
    onRoute();
  }
  hist.pushState = patchedPush;
  hist.replaceState = patchedReplace;

  const timer = setInterval(
    safe(() => send(false)),
    options.flushMs ?? 2000,
  );
  startView();

  return {
    stop: safe(() => {
      endView();
      send(false);
      stopped = true;
      clearInterval(timer);
      for (const [target, type, f] of listeners)
        target.removeEventListener(type, f as EventListener, { capture: true });
      // Only undo our own patch: if someone wrapped it since, ours stays, inert (`stopped`).
      if (hist.pushState === patchedPush) hist.pushState = pushState;
      if (hist.replaceState === patchedReplace) hist.replaceState = replaceState;
    }),
  };
}
