import { elementSelector, targetElement } from './element-selector';

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

/**
 * One event as sent to the server. Coordinates are page CSS px, except for a click on an element
 * that is (or is inside) `position: fixed` or `sticky`: those are viewport CSS px, so the element
 * collects its clicks in one place whatever the scroll depth. For `scroll`, `y` is the deepest
 * point seen.
 */
export interface TrackedEvent {
  /**
   * `click`; `scroll` (once per page view); `move`; `rage`: the 3rd click within 1000 ms and
   * 30 px (client coordinates) of the first click of a burst, once per burst; `dead`: a click on
   * a non-interactive element after which, for 1000 ms, nothing changed in the DOM, nothing got
   * focus and nothing navigated. Every click is sent as a `click` too.
   */
  kind: 'click' | 'scroll' | 'move' | 'rage' | 'dead';
  /** The page: origin and path, plus only the `keepQuery` parameters; never the fragment. */
  url: string;
  x: number;
  y: number;
  /** Viewport width and height in CSS px. */
  vw: number;
  vh: number;
  /** Epoch ms (of the click, for `rage` and `dead`). */
  t: number;
  site?: string;
  /**
   * `click`, `rage` and `dead` only, when the target is an element other than `html` / `body`:
   * a CSS selector of it, at most 256 characters, from `data-mt` names, hand-written ids, tag
   * names and `:nth-of-type(n)` — never text, classes or other attributes. The other element
   * fields come with it, all five or none.
   */
  sel?: string;
  /** Where the click fell inside the element's border box, 0 (left edge) – 1000 (right edge). */
  ox?: number;
  /** Where the click fell inside the element's border box, 0 (top edge) – 1000 (bottom edge). */
  oy?: number;
  /** The element's border-box width in CSS px when clicked, rounded. */
  ew?: number;
  /** The element's border-box height in CSS px when clicked, rounded. */
  eh?: number;
}

/** The element fields of an event, see {@link TrackedEvent}. */
type ElementFields = Pick<TrackedEvent, 'sel' | 'ox' | 'oy' | 'ew' | 'eh'>;

/** A running tracker, returned by {@link startTracking}. */
export interface Tracking {
  /** Ends the page view, sends what is waiting and removes every listener. Idempotent. */
  stop(): void;
}

type Kind = TrackedEvent['kind'];

/** Targets a click on which is expected to do something: a click anywhere else may be dead. */
const INTERACTIVE =
  'a[href],button,input,select,textarea,label,summary,[role=button],[role=link],[onclick],[tabindex],[contenteditable]';
/** Rage: this many clicks, each within RAGE_MS and RAGE_PX of the burst's first one. */
const RAGE_CLICKS = 3;
const RAGE_MS = 1000;
const RAGE_PX = 30;
/** Dead: how long a click on a non-interactive element is watched, and how many at once. */
const DEAD_MS = 1000;
const DEAD_PENDING = 8;

/** 0–1000: where `offset` falls along `size` (0 when the box is empty). */
const scaled = (offset: number, size: number) =>
  size > 0 ? Math.min(1000, Math.max(0, Math.round((offset / size) * 1000))) : 0;

/**
 * The name of the frame `@monkeytracker/viewer` shows tracked pages in: a page loaded in a frame
 * of this name does not track (the viewer's own page views and its page-tall frame would
 * otherwise be counted as visits).
 */
export const PREVIEW_FRAME_NAME = 'monkeytracker-preview';

const inert: Tracking = { stop() {} };

/**
 * Starts tracking the page: clicks (page coordinates, viewport ones on fixed and sticky elements,
 * with the element they hit), rage and dead clicks, the deepest scroll point of each page view,
 * and optionally throttled mouse moves. Events are batched and POSTed to `endpoint` as a
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
  // The current click burst: its first click's time and client position, and its clicks so far.
  let burstT = 0;
  let burstX = 0;
  let burstY = 0;
  let burstClicks = 0;
  let stamp = -1; // the last click's timeStamp
  // Timers of the clicks being watched for dead clicks; `watcher` observes the DOM while any is.
  let pending: ReturnType<typeof setTimeout>[] = [];

  const make = (kind: Kind, x: number, y: number, fields?: ElementFields): TrackedEvent => {
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
    return Object.assign(event, fields);
  };
  const add = (event: TrackedEvent) => {
    if (queue.push(event) >= maxBatch) send(false);
  };
  const push = (kind: Kind, x: number, y: number) => add(make(kind, x, y));

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

  // Something happened after a click (a DOM change, a focus, a navigation): no click pending is dead.
  const live = safe(() => {
    pending.forEach(clearTimeout);
    pending = [];
    unwatch();
  });
  const watcher = new MutationObserver(live);
  // Only while a click is watched: a `beforeunload` listener can keep a page out of the
  // back/forward cache in some browsers.
  const unwatch = () => {
    watcher.disconnect();
    win.removeEventListener('beforeunload', live, true);
  };

  const onClick = (e: MouseEvent) => {
    seen(); // a click is seen too, even when no scroll event has fired since a jump
    const { clientX, clientY } = e;
    const el = targetElement(e.target);
    // Fixed or sticky (the target or an ancestor under body): viewport coordinates, the same at
    // every scroll depth. Read at each click, the page may change an element's position any time.
    let fixed = false;
    for (let p: Element | null | undefined = el; !fixed && p && p !== doc.body; p = p.parentElement)
      fixed = /fixed|sticky/.test(getComputedStyle(p).position);
    const x = fixed ? clientX : e.pageX;
    const y = fixed ? clientY : e.pageY;
    const sel = el && elementSelector(el);
    let fields: ElementFields | undefined;
    if (sel) {
      const box = el.getBoundingClientRect();
      fields = {
        sel,
        ox: scaled(clientX - box.left, box.width),
        oy: scaled(clientY - box.top, box.height),
        ew: Math.round(box.width),
        eh: Math.round(box.height),
      };
    }
    // Rage and dead events are copies of their click (the same t, url, coordinates and element).
    const click = make('click', x, y, fields);
    add(click);

    // Rage: one event on the 3rd click of a burst; a click too late or too far starts a new one.
    // The click a label forwards to its control (same timeStamp and position) is not another one.
    const now = Date.now();
    if (e.timeStamp !== stamp) {
      stamp = e.timeStamp;
      if (now - burstT <= RAGE_MS && Math.hypot(clientX - burstX, clientY - burstY) <= RAGE_PX) {
        if (++burstClicks === RAGE_CLICKS) add({ ...click, kind: 'rage' });
      } else {
        burstT = now;
        burstX = clientX;
        burstY = clientY;
        burstClicks = 1;
      }
    }

    // Dead: a click on nothing interactive is sent if nothing happened within DEAD_MS.
    if (el?.closest(INTERACTIVE) || pending.length >= DEAD_PENDING) return;
    if (!pending.length) {
      watcher.observe(doc.documentElement, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
      });
      win.addEventListener('beforeunload', live, true);
    }
    const dead: TrackedEvent = { ...click, kind: 'dead' };
    const id = setTimeout(
      safe(() => {
        pending = pending.filter((p) => p !== id);
        if (!pending.length) unwatch();
        add(dead);
      }),
      DEAD_MS,
    );
    pending.push(id);
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
    [doc, 'click', safe(onClick)],
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
  // Focus and navigation end the watch for dead clicks (so do `beforeunload`, listened to while a
  // click is watched, and pushState / replaceState: see below).
  for (const type of ['focusin', 'hashchange', 'popstate', 'pagehide', 'visibilitychange'])
    listeners.push([win, type, live]);
  for (const [target, type, f] of listeners)
    target.addEventListener(type, f as EventListener, { capture: true, passive: true });

  // SPA navigation: wrap the history methods; the host's call goes through untouched.
  function patchedPush(this: History, ...args: Parameters<History['pushState']>) {
    pushState.apply(this, args);
    live();
    onRoute();
  }
  function patchedReplace(this: History, ...args: Parameters<History['replaceState']>) {
    replaceState.apply(this, args);
    live();
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
      live(); // clicks still watched for dead ones are dropped
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
