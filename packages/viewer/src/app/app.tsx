import { Fragment } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { BakedOptions } from '../viewer-config';
import {
  ApiError,
  type ElementHeatmap,
  getJson,
  type HeatmapAnswer,
  isElementKind,
  type Kind,
  type PagesAnswer,
  type TrackerConfig,
} from './api';
import { type Choice, DayInput, Menu, Segmented } from './controls';
import { daysIn, PRESETS, presetOf, presetRange, previousPeriod } from './dates';
import { countIn, type Device, devicesOf, rangeText } from './devices';
import { ElementList } from './element-list';
import { ElementLocator, type Placement } from './elements';
import { csvOf, download, exportPng, fileName, jsonOf } from './export-view';
import { Legend } from './legend';
import { PageList } from './page-list';
import { averageDepth, deepestOf, foldOf, noun, paintPane, readout, type Scene } from './paint';
import { PinnedLocator } from './pinned';
import { type FrameInfo, type Hover, Stage } from './stage';
import { kindsOf, type MapMode, parseState, toSearch, type ViewState } from './url-state';

const PAGES_TOP = 500;
const TOP_CELLS = 5000;
/** Elements asked for in element mode (the most clicked). */
const TOP_ELEMENTS = 500;
const COOKIE = 'monkeytracker_token';
const int = (n: number) => n.toLocaleString('en-US');
/** A count for a tight spot: 1,234 or 12.3k. */
const short = (n: number) =>
  n < 10_000 ? int(n) : n.toLocaleString('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** What tests and tools can read: `window.monkeytrackerViewer` (no more than the screen shows). */
export interface ViewerProbe {
  view?: ViewState;
  heatmap?: HeatmapAnswer | ElementHeatmap;
  /** Element mode: where the elements were drawn in the last paint. */
  placement?: Placement;
  stage?: Stage;
  frame?: FrameInfo;
  /** Heatmap answers drawn so far. */
  drawn: number;
}
declare global {
  interface Window {
    monkeytrackerViewer: ViewerProbe;
  }
}
const probe: ViewerProbe = (window.monkeytrackerViewer = { drawn: 0 });

function setState(state: 'loading' | 'ready' | 'empty' | 'error'): void {
  document.documentElement.dataset.state = state;
}

/** Runs `load` and retries it after `retryAfter` seconds while it fails with a retryable error. */
function useApi<T>(key: string | undefined, load: (signal: AbortSignal) => Promise<T>) {
  const [result, setResult] = useState<{ key: string; data?: T; error?: ApiError; ms?: number }>();
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (key === undefined) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = performance.now();
    load(abort.signal).then(
      (data) => setResult({ key, data, ms: performance.now() - started }),
      (error: unknown) => {
        if (abort.signal.aborted) return;
        const e =
          error instanceof ApiError
            ? error
            : new ApiError(String((error as Error)?.message ?? error), 0, 'CLIENT');
        setResult((old) => ({ key, data: old?.key === key ? old.data : undefined, error: e }));
        if (e.retryAfter) timer = setTimeout(() => setAttempt((n) => n + 1), e.retryAfter * 1000);
      },
    );
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [key, attempt]);
  const current = result?.key === key ? result : undefined;
  return {
    data: current?.data,
    error: current?.error,
    ms: current?.ms,
    loading: key !== undefined && !current,
  };
}

/** The viewer: loads the tracker's config, then the dashboard. */
export function App({ options }: { options: BakedOptions }) {
  const config = useApi('config', (signal) => getJson<TrackerConfig>('config', {}, signal));
  useEffect(() => {
    if (config.error) setState('error');
  }, [config.error]);
  if (!config.data) {
    return (
      <div class="boot">
        <strong class="brand">{options.title}</strong>
        <p role={config.error ? 'alert' : 'status'}>{config.error ? config.error.message : 'Loading…'}</p>
        {config.error?.status === 401 && (
          <button type="button" onClick={() => location.reload()}>
            Sign in
          </button>
        )}
      </div>
    );
  }
  return <Dashboard config={config.data} options={options} />;
}

function signOut(): void {
  const path = location.pathname.replace(/\/viewer(?:\/.*)?$/, '') || '/';
  // biome-ignore lint/suspicious/noDocumentCookie: the login page's cookie, removed the way it was set
  document.cookie = `${COOKIE}=; Path=${path}; Max-Age=0; SameSite=Strict`;
  location.reload();
}

function Dashboard({ config, options }: { config: TrackerConfig; options: BakedOptions }) {
  const devices = useMemo(() => devicesOf(config), [config]);
  const [view, setView] = useState<ViewState>(() => parseState(location.search, config, devices));
  const update = useCallback((patch: Partial<ViewState>) => setView((v) => ({ ...v, ...patch })), []);
  const [drawer, setDrawer] = useState(false);
  const [frame, setFrame] = useState<FrameInfo>();
  const [hover, setHover] = useState<Hover>();
  const [rangeError, setRangeError] = useState('');
  const [paintMs, setPaintMs] = useState(0);
  const stageRef = useRef<Stage>();
  const locator = useMemo(() => new ElementLocator(), []);
  const pinned = useMemo(() => new PinnedLocator(), []);
  const [highlight, setHighlight] = useState<string>();
  /** What the last element paint could not find on the page (for the notice and the list). */
  const [missing, setMissing] = useState<{
    searched: boolean;
    elements: number;
    events: number;
    of: number;
    selectors: Set<string>;
  }>();
  const missingKey = useRef('');
  probe.view = view;

  useEffect(() => {
    history.replaceState(null, '', toSearch(view, config));
  }, [view, config]);

  // The page list of the range.
  const pagesKey = JSON.stringify([view.site, view.kind, view.from, view.to]);
  const pages = useApi(pagesKey, (signal) =>
    getJson<PagesAnswer>(
      'pages',
      { site: view.site, kind: view.kind, from: view.from, to: view.to, top: PAGES_TOP },
      signal,
    ),
  );
  const page = view.page || pages.data?.pages[0]?.url || '';
  const entry = pages.data?.pages.find((p) => p.url === page);
  const device = devices.find((d) => d.bucket === view.bucket) ?? devices[0]!;

  // The heatmap (and the baseline when comparing), or the elements in element mode.
  const elementMode = view.mode === 'element' && isElementKind(view.kind);
  const mode: MapMode = elementMode ? 'element' : 'page';
  const comparing = view.compare !== 'off' && !elementMode;
  const site = config.sites.length > 1 || view.site !== 'default' ? view.site : undefined;
  const heatParams = page
    ? {
        url: page,
        kind: view.kind,
        bucket: device.bucket,
        from: view.from,
        to: view.to,
        top: elementMode ? TOP_ELEMENTS : TOP_CELLS,
        site,
        mode: elementMode ? 'element' : undefined,
        compareFrom: comparing ? view.cfrom : undefined,
        compareTo: comparing ? view.cto : undefined,
      }
    : undefined;
  const heatKey = heatParams ? JSON.stringify(heatParams) : undefined;
  const heat = useApi(heatKey, (signal) =>
    getJson<HeatmapAnswer | ElementHeatmap>('heatmap', heatParams, signal).then((answer) => {
      if (elementMode && (answer as ElementHeatmap).mode !== 'element')
        throw new ApiError(
          'This tracker does not answer element heatmaps (it is older than the viewer): pick Page position.',
          200,
          'NO_ELEMENT_MODE',
        );
      return answer;
    }),
  );
  // Counts of the click kinds on this page and device, for the kind picker (top=0: totals only).
  const countKinds = kindsOf(config).filter(isElementKind);
  const countsKey = page ? JSON.stringify([page, device.bucket, view.from, view.to, site]) : undefined;
  const counts = useApi(countsKey, (signal) =>
    Promise.all(
      countKinds.map((kind) =>
        getJson<HeatmapAnswer>(
          'heatmap',
          { url: page, kind, bucket: device.bucket, from: view.from, to: view.to, top: 0, site },
          signal,
        ).then((h) => [kind, h.total] as const),
      ),
    ).then((pairs) => Object.fromEntries(pairs) as Partial<Record<Kind, number>>),
  );
  // The answer on screen: the newest one, kept while the next loads (so the heat does not blink).
  const shownRef = useRef<{ key: string; heatmap: HeatmapAnswer | ElementHeatmap }>();
  if (heat.data && heatKey && shownRef.current?.heatmap !== heat.data)
    shownRef.current = { key: heatKey, heatmap: heat.data };
  const shown = shownRef.current;
  const heatmap = shown?.heatmap;
  const elements = heatmap && 'mode' in heatmap ? heatmap : undefined;
  const scene: Scene | undefined = !heatmap
    ? undefined
    : 'mode' in heatmap
      ? {
          mode: 'element',
          kind: view.kind,
          compare: 'off',
          heatmap,
          highlight,
          place: () => {
            const placement = locator.place(heatmap, stageRef.current?.frameContext);
            probe.placement = placement;
            const gone = placement.placed.filter((p) => !p.onPage).map((p) => p.heat.selector);
            const key = `${placement.searched}|${placement.missingEvents}|${gone.join('\n')}`;
            if (key !== missingKey.current) {
              missingKey.current = key;
              setMissing({
                searched: placement.searched,
                elements: placement.missing,
                events: placement.missingEvents,
                of: placement.placed.length,
                selectors: new Set(gone),
              });
            }
            return placement;
          },
        }
      : {
          mode: 'page',
          kind: view.kind,
          compare: comparing ? view.compare : 'off',
          heatmap,
          // Fixed and sticky elements' heat rides with them (not scroll depth: its cells are depths).
          follow:
            view.kind === 'scroll'
              ? undefined
              : (range) => pinned.drawn(range, stageRef.current?.frameContext),
        };
  const sceneRef = useRef(scene);
  sceneRef.current = scene;
  const panes =
    comparing && view.compare === 'side' && heatmap && !('mode' in heatmap) && heatmap.compare ? 2 : 1;

  // The frame: the page on its origin.
  const origin = options.pageOrigins[view.site] ?? options.pageOrigin ?? location.origin;
  const src = page ? (/^[a-z][a-z\d+.-]*:/i.test(page) ? page : new URL(page, `${origin}/`).href) : '';
  useEffect(() => setFrame(undefined), [src, device.width, panes]);

  // State for tests: ready once the current answer is painted over a loaded frame.
  const error = pages.error ?? heat.error;
  const current = !!heatmap && shown?.key === heatKey;
  // A layout effect: the heat is painted in the same frame as the render that brought it.
  useLayoutEffect(() => {
    probe.heatmap = heatmap;
    probe.frame = frame;
    if (error && !heat.loading) setState('error');
    else if (pages.data && pages.data.pages.length === 0 && !view.page) setState('empty');
    else if (current && (frame || !src)) {
      stageRef.current?.repaint();
      setPaintMs(stageRef.current?.lastPaintMs ?? 0);
      probe.drawn++;
      if (probe.drawn === 1) performance.mark('monkeytracker-viewer:first-heatmap');
      setState('ready');
    } else setState('loading');
  }, [heatmap, frame, current, error, pages.data, src, view.page, heat.loading]);

  // A highlight lasts while its element is in the answer.
  useEffect(() => {
    if (highlight && !elements?.elements.some((e) => e.selector === highlight)) setHighlight(undefined);
  }, [elements, highlight]);
  // Repaint when the highlight changes, and bring the element into view.
  useLayoutEffect(() => {
    const stage = stageRef.current;
    if (!stage || !elements) return;
    stage.repaint();
    const placed = highlight ? probe.placement?.placed.find((p) => p.heat.selector === highlight) : undefined;
    if (placed) void stage.reveal(placed.box.y, placed.box.height);
  }, [highlight]);

  const captions =
    panes === 2 && heatmap && !('mode' in heatmap) && heatmap.compare
      ? [
          `This period · ${view.from} → ${view.to} · ${int(heatmap.total)} ${noun(view.kind, heatmap.total)}`,
          `Baseline · ${view.cfrom} → ${view.cto} · ${int(heatmap.compare.total)} ${noun(view.kind, heatmap.compare.total)}`,
        ]
      : [];

  const setRange = (from: string, to: string) => {
    if (from > to) return setRangeError('The first day comes after the last.');
    if (daysIn(from, to) > config.maxQueryDays)
      return setRangeError(`A range can hold at most ${config.maxQueryDays} days.`);
    setRangeError('');
    const previous = previousPeriod(from, to);
    update({ from, to, ...(view.compare === 'off' ? { cfrom: previous.from, cto: previous.to } : {}) });
  };
  const setBaseline = (cfrom: string, cto: string) => {
    if (cfrom > cto) return setRangeError('The baseline’s first day comes after its last.');
    if (daysIn(cfrom, cto) > config.maxQueryDays)
      return setRangeError(`A range can hold at most ${config.maxQueryDays} days.`);
    setRangeError('');
    update({ cfrom, cto });
  };

  const exportName = (ext: string) => fileName({ ...view, page, mode }, device.width, ext);
  const pageHeight = () => stageRef.current?.pageHeight ?? deepestOf(heatmap);
  const signedIn = document.cookie.split('; ').some((c) => c.startsWith(`${COOKIE}=`));
  const what = noun(view.kind);

  const KIND_LABELS: Record<Kind, [string, string]> = {
    click: ['Clicks', 'Every click'],
    rage: ['Rage clicks', 'Rage clicks: the third of 3 or more clicks within 1 s and 30 px (one per burst)'],
    dead: [
      'Dead clicks',
      'Dead clicks: clicks on something not interactive after which nothing changed within 1 s',
    ],
    scroll: ['Scroll', 'Scroll depth: how far page views got'],
    move: ['Moves', 'Mouse moves'],
  };
  const kinds: Choice<Kind>[] = kindsOf(config).map((kind) => {
    const n = counts.data?.[kind];
    // "Rage clicks" → "Rage" on a phone (the `unit` part is hidden there).
    const [name, rest] =
      kind === 'rage' || kind === 'dead' ? KIND_LABELS[kind][0].split(/(?= )/) : [KIND_LABELS[kind][0], ''];
    return {
      value: kind,
      title: `${KIND_LABELS[kind][1]}${n === undefined ? '' : ` (${int(n)} on this page and device in the range)`}`,
      label: (
        <>
          {name}
          {rest && <span class="unit">{rest}</span>}
          {n !== undefined && (
            <>
              {' '}
              <span class="kind-count">{short(n)}</span>
            </>
          )}
        </>
      ),
    };
  });
  const clickKind = isElementKind(view.kind);
  const modes: Choice<MapMode>[] = [
    {
      value: 'page',
      label: 'Page position',
      title: 'Each click where it was on the page (page coordinates)',
    },
    {
      value: 'element',
      label: 'Elements',
      disabled: !clickKind,
      title: clickKind
        ? 'Each click on the element it hit, as the page is laid out now'
        : 'Scroll depth and moves have no elements: pick clicks, rage or dead clicks',
    },
  ];
  const preset = presetOf(view.from, view.to, config.today);
  const otherDevices = devices.filter((d) => !d.preset);

  const fallback =
    elements && frame && missing && missing.of > 0 && (missing.elements > 0 || !missing.searched)
      ? missing.searched
        ? `${int(missing.elements)} of ${int(missing.of)} ${missing.of === 1 ? 'element is' : 'elements'}${missing.of === 1 ? '' : missing.elements === 1 ? ' is' : ' are'} not on the page now; ${missing.elements === 1 ? 'its' : 'their'} ${int(missing.events)} ${noun(view.kind, missing.events)} ${missing.events === 1 ? 'is' : 'are'} drawn where ${missing.elements === 1 ? 'it was' : 'they were'}.`
        : `The page cannot be looked into (${frame.sameOrigin ? 'it could not be read' : 'it is on another origin'}), so all ${int(missing.of)} ${missing.of === 1 ? 'element is' : 'elements are'} drawn where ${missing.of === 1 ? 'it was' : 'they were'} when clicked (their average box).`
      : '';

  const notice = error
    ? error.message
    : frame?.blocked
      ? 'This page cannot be shown here: it forbids being framed, or it moved to another origin. The heat is drawn without it.'
      : frame?.status && frame.status >= 400
        ? `The page answered ${frame.status} at ${src}, so the heat lies over an error page. Pick a page from the list.`
        : '';

  return (
    <div class={`app${drawer ? ' drawer-open' : ''}`}>
      <header class="bar">
        <div class="bar-row">
          <button
            type="button"
            class="pages-toggle"
            aria-expanded={drawer}
            aria-controls="sidebar"
            onClick={() => setDrawer(!drawer)}
          >
            Pages
          </button>
          <strong class="brand">{options.title}</strong>
          <span class="current-page" title={src}>
            {page || (pages.loading ? 'Loading pages…' : 'No page yet')}
          </span>
          <Segmented
            label="What to show"
            class="kinds"
            value={view.kind}
            choices={kinds}
            onChange={(kind) => update({ kind })}
          />
          <Segmented
            label="Draw clicks at"
            class="modes"
            value={clickKind ? mode : 'page'}
            choices={modes}
            onChange={(m) => update(m === 'element' ? { mode: m, compare: 'off' } : { mode: m })}
          />
          {config.sites.length > 1 && (
            <label class="site">
              <span class="sr-only">Site</span>
              <select
                value={view.site}
                onChange={(e) => update({ site: (e.target as HTMLSelectElement).value, page: '' })}
              >
                {config.sites.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.id}
                  </option>
                ))}
              </select>
            </label>
          )}
          <span class="grow" />
          <Menu label="Export" class="export">
            <button
              type="button"
              disabled={!scene}
              onClick={() =>
                scene && void exportPng(scene, panes, device.width, pageHeight(), exportName('png'))
              }
            >
              Heatmap layer (PNG)
            </button>
            <button
              type="button"
              disabled={!scene}
              onClick={() =>
                scene && download(new Blob([csvOf(scene)], { type: 'text/csv' }), exportName('csv'))
              }
            >
              Data (CSV)
            </button>
            <button
              type="button"
              disabled={!scene}
              onClick={() =>
                scene &&
                download(
                  new Blob([jsonOf(scene, { ...view, page }, device)], { type: 'application/json' }),
                  exportName('json'),
                )
              }
            >
              Data (JSON)
            </button>
          </Menu>
          <button
            type="button"
            class="quiet"
            aria-pressed={view.details}
            onClick={() => update({ details: !view.details })}
          >
            Details
          </button>
          {signedIn && (
            <button type="button" class="quiet wide-only" onClick={signOut}>
              Sign out
            </button>
          )}
        </div>
        <div class="bar-row controls">
          <fieldset class="devices">
            <legend class="sr-only">Device</legend>
            <Segmented
              label="Device presets"
              value={device.preset ? device.bucket : undefined}
              choices={devices
                .filter((d) => d.preset)
                .map((d) => ({
                  value: d.bucket,
                  title: `${d.label}: viewports ${rangeText(d)}, shown at ${d.width} px`,
                  label: (
                    <span class="device">
                      <span>{d.label}</span>
                      <small>
                        {d.width} px · {entry ? short(countIn(entry, d.bucket)) : '–'}
                      </small>
                    </span>
                  ),
                }))}
              onChange={(bucket) => update({ bucket })}
            />
            {otherDevices.length > 0 && (
              <select
                class={device.preset ? '' : 'active'}
                aria-label="Other viewport widths"
                value={device.preset ? '' : String(device.bucket)}
                onChange={(e) => {
                  const v = (e.target as HTMLSelectElement).value;
                  if (v !== '') update({ bucket: Number(v) });
                }}
              >
                <option value="">More…</option>
                {otherDevices.map((d) => (
                  <option key={d.bucket} value={String(d.bucket)}>
                    {rangeText(d)} · {entry ? int(countIn(entry, d.bucket)) : '–'}
                  </option>
                ))}
              </select>
            )}
          </fieldset>
          <fieldset class="dates">
            <legend class="sr-only">Days</legend>
            <Segmented
              label="Date presets"
              value={preset}
              choices={PRESETS.map((p) => ({
                value: p.id,
                label:
                  p.days === 1 ? (
                    p.label
                  ) : (
                    <>
                      {p.label}
                      <span class="unit"> days</span>
                      <span class="unit-short"> d</span>
                    </>
                  ),
                disabled: p.days > config.maxQueryDays,
                title:
                  p.days > config.maxQueryDays
                    ? `The tracker answers at most ${config.maxQueryDays} days at once`
                    : `The last ${p.days === 1 ? 'day' : `${p.days} days`}, ${config.timeZone}`,
              }))}
              onChange={(id) => {
                const p = PRESETS.find((x) => x.id === id)!;
                const r = presetRange(p.days, config.today);
                setRange(r.from, r.to);
              }}
            />
            <span class="range">
              <DayInput label="First day" value={view.from} onChange={(from) => setRange(from, view.to)} />
              <span aria-hidden="true">→</span>
              <DayInput label="Last day" value={view.to} onChange={(to) => setRange(view.from, to)} />
            </span>
          </fieldset>
          <button
            type="button"
            class="compare-toggle"
            aria-pressed={comparing}
            disabled={elementMode}
            title={
              elementMode
                ? 'Comparing two periods works in Page position mode'
                : 'Compare this period with another'
            }
            onClick={() => {
              if (comparing) update({ compare: 'off' });
              else {
                const p = previousPeriod(view.from, view.to);
                update({ compare: 'diff', cfrom: p.from, cto: p.to, mode: 'page' });
              }
            }}
          >
            Compare
          </button>
        </div>
        {comparing && (
          <div class="bar-row controls compare-row">
            <Segmented
              label="Comparison"
              value={view.compare}
              choices={[
                { value: 'diff', label: 'Difference' },
                { value: 'side', label: 'Side by side' },
              ]}
              onChange={(compare) => update({ compare })}
            />
            <fieldset class="dates">
              <legend class="sr-only">Baseline days</legend>
              <span class="label">Baseline</span>
              <DayInput
                label="Baseline first day"
                value={view.cfrom}
                onChange={(cfrom) => setBaseline(cfrom, view.cto)}
              />
              <span aria-hidden="true">→</span>
              <DayInput
                label="Baseline last day"
                value={view.cto}
                onChange={(cto) => setBaseline(view.cfrom, cto)}
              />
              <button
                type="button"
                class="quiet"
                onClick={() => {
                  const p = previousPeriod(view.from, view.to);
                  setBaseline(p.from, p.to);
                }}
              >
                Previous period
              </button>
            </fieldset>
          </div>
        )}
      </header>
      <div class="body">
        {drawer && (
          // biome-ignore lint/a11y/noStaticElementInteractions: a click beside the drawer closes it; Escape and the Pages button do too
          // biome-ignore lint/a11y/useKeyWithClickEvents: see above
          <div class="drawer-backdrop" onClick={() => setDrawer(false)} />
        )}
        <aside
          id="sidebar"
          class="sidebar"
          onKeyDown={(e) => {
            if (e.key === 'Escape') setDrawer(false);
          }}
        >
          <PageList
            pages={pages.data?.pages}
            top={PAGES_TOP}
            selected={page}
            noun={what}
            loading={pages.loading}
            onSelect={(url) => {
              update({ page: url });
              setDrawer(false);
            }}
          />
          {signedIn && (
            <button type="button" class="sign-out narrow-only" onClick={signOut}>
              Sign out
            </button>
          )}
        </aside>
        <main class="main">
          <div class="info">
            {scene ? <Legend scene={scene} /> : <div class="legend placeholder" />}
            <p class="summary" aria-live="polite">
              {parts(
                summary(view, device, heatmap, pages.data, page, pages.loading || heat.loading, counts.data),
              )}
            </p>
            <label class="opacity">
              <span>Heat</span>
              <input
                type="range"
                min={10}
                max={100}
                step={5}
                value={view.opacity}
                aria-label="Heat opacity (%)"
                onInput={(e) => update({ opacity: Number((e.target as HTMLInputElement).value) })}
              />
            </label>
            <label class="dim">
              <input
                type="checkbox"
                checked={view.dim}
                onChange={(e) => update({ dim: (e.target as HTMLInputElement).checked })}
              />
              <span>Dim page</span>
            </label>
          </div>
          {(notice || rangeError) && (
            <p class="notice" role="alert">
              {rangeError || notice}
              {error?.status === 401 && (
                <button type="button" onClick={() => location.reload()}>
                  Sign in
                </button>
              )}
            </p>
          )}
          {fallback && !notice && (
            <p class="notice info" role="status">
              {fallback}
            </p>
          )}
          {view.details && (
            <Details
              config={config}
              device={device}
              heatmap={heatmap}
              placement={elements ? probe.placement : undefined}
              heatParams={heatParams}
              queryMs={heat.ms}
              paintMs={paintMs}
              stage={stageRef.current}
              frame={frame}
              src={src}
            />
          )}
          <div class="work">
            <div
              class={`stage-host${view.dim ? ' dimmed' : ''}`}
              style={{ '--heat-opacity': String(view.opacity / 100) } as Record<string, string>}
              ref={(el) => {
                if (el && !stageRef.current) {
                  stageRef.current = new Stage(el);
                  probe.stage = stageRef.current;
                }
              }}
            />
            {elements && (
              <ElementList
                title={
                  view.kind === 'click'
                    ? 'Top clicked elements'
                    : `Most ${view.kind === 'rage' ? 'rage' : 'dead'}-clicked elements`
                }
                elements={elements.topElements}
                missing={missing?.selectors ?? new Set()}
                noun={(n) => noun(view.kind, n)}
                total={elements.total}
                elementCount={elements.elementCount}
                highlight={highlight}
                onHighlight={setHighlight}
              />
            )}
          </div>
          <StageBinder
            stageRef={stageRef}
            src={src}
            width={device.width}
            panes={panes}
            captions={captions}
            estimatedHeight={Math.max(deepestOf(heatmap) + 200, 600)}
            sceneRef={sceneRef}
            onHover={setHover}
            onFrame={setFrame}
          />
          {hover && scene && (
            <Tooltip
              lines={readout(scene, hover.pane, hover.x, hover.y, stageRef.current?.currentScale ?? 1)}
              hover={hover}
            />
          )}
        </main>
      </div>
    </div>
  );
}

/** Hands the current setup to the imperative stage after each render. */
function StageBinder(props: {
  stageRef: { current: Stage | undefined };
  src: string;
  width: number;
  panes: number;
  captions: string[];
  estimatedHeight: number;
  sceneRef: { current: Scene | undefined };
  onHover(h: Hover | undefined): void;
  onFrame(f: FrameInfo): void;
}) {
  const { stageRef, sceneRef } = props;
  const captions = props.captions.join('\n');
  useLayoutEffect(() => {
    stageRef.current?.update({
      src: props.src,
      width: props.width,
      panes: props.panes,
      captions: props.captions,
      estimatedHeight: props.estimatedHeight,
      paint: (pane, canvas, view) => {
        const scene = sceneRef.current;
        if (scene) paintPane(canvas, scene, pane, view);
        else canvas.getContext('2d')!.clearRect(0, 0, canvas.width, canvas.height);
      },
      onHover: props.onHover,
      onFrame: props.onFrame,
    });
  }, [props.src, props.width, props.panes, captions, props.estimatedHeight]);
  return null;
}

function Tooltip({ lines, hover }: { lines: string[]; hover: Hover }) {
  const ref = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState({ left: hover.clientX + 16, top: hover.clientY + 16 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const w = el.offsetWidth;
    const h = el.offsetHeight;
    let left = hover.clientX + 16;
    let top = hover.clientY + 16;
    if (left + w > innerWidth - 8) left = hover.clientX - w - 16;
    if (top + h > innerHeight - 8) top = hover.clientY - h - 16;
    setPos({ left: Math.max(8, left), top: Math.max(8, top) });
  }, [hover.clientX, hover.clientY, lines.join('\n')]);
  return (
    <div class="tooltip" ref={ref} role="status" style={{ left: `${pos.left}px`, top: `${pos.top}px` }}>
      <strong>{lines[0]}</strong>
      {lines.slice(1).map((l) => (
        <span key={l}>{l}</span>
      ))}
    </div>
  );
}

/** Summary parts joined by " · ", each kept on one line (the line breaks between them). */
function parts(text: string | string[]) {
  if (typeof text === 'string') return text;
  return text.map((part, i) => (
    <Fragment key={part}>
      {i > 0 && ' · '}
      <span class="part">{part}</span>
    </Fragment>
  ));
}

/** The summary line: a sentence, or the parts of what is drawn ("835 clicks", "Desktop 1200–1399 px", …). */
function summary(
  view: ViewState,
  device: Device,
  heatmap: HeatmapAnswer | ElementHeatmap | undefined,
  pages: PagesAnswer | undefined,
  page: string,
  loading: boolean,
  counts: Partial<Record<Kind, number>> | undefined,
): string | string[] {
  const what = noun(view.kind);
  if (!page)
    return pages && !loading ? `No ${what} recorded between ${view.from} and ${view.to}.` : 'Loading…';
  if (!heatmap) return 'Loading…';
  const where = device.preset ? `${device.label} ${rangeText(device)}` : rangeText(device);
  // Rage and dead clicks beside clicks: how many of them there are.
  const extra =
    view.kind === 'click' &&
    view.compare === 'off' &&
    counts &&
    (counts.rage !== undefined || counts.dead !== undefined)
      ? [`${int(counts.rage ?? 0)} rage · ${int(counts.dead ?? 0)} dead`]
      : [];
  if ('mode' in heatmap) {
    if (heatmap.total === 0) return `No ${what} on an element of this page at ${where} in this range.`;
    const parts = [
      `${int(heatmap.total)} ${noun(view.kind, heatmap.total)} on ${int(heatmap.elementCount)} ${heatmap.elementCount === 1 ? 'element' : 'elements'}`,
      where,
      ...extra,
    ];
    if (heatmap.elements.length < heatmap.elementCount)
      parts.push(`the ${int(heatmap.elements.length)} most clicked drawn`);
    return parts;
  }
  if (heatmap.total === 0 && !heatmap.compare?.total)
    return `No ${what} on this page at ${where} in this range.`;
  const parts = [`${int(heatmap.total)} ${noun(view.kind, heatmap.total)}`];
  if (heatmap.compare && view.compare !== 'off')
    parts[0] += ` vs ${int(heatmap.compare.total)} in the baseline`;
  parts.push(where, ...extra);
  if (view.kind === 'scroll' && view.compare === 'off') {
    const fold = foldOf(heatmap);
    const depth = averageDepth(heatmap);
    if (fold)
      parts.push(`${fold.average ? 'average fold' : 'fold (shortest screen)'} ${int(Math.round(fold.y))} px`);
    if (depth) parts.push(`average depth ${int(depth)} px`);
  }
  if (heatmap.compare && view.compare !== 'off') parts.push('each period as a share of its own total');
  return parts;
}

function Details(props: {
  config: TrackerConfig;
  device: Device;
  heatmap: HeatmapAnswer | ElementHeatmap | undefined;
  placement: Placement | undefined;
  heatParams: Record<string, unknown> | undefined;
  queryMs: number | undefined;
  paintMs: number;
  stage: Stage | undefined;
  frame: FrameInfo | undefined;
  src: string;
}) {
  const h = props.heatmap;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(props.heatParams ?? {})) if (v !== undefined) q.set(k, String(v));
  const rows: [string, string][] = [
    ['API call', `../heatmap?${q}`],
    ['Answer', props.queryMs === undefined ? '–' : `${props.queryMs.toFixed(0)} ms`],
    ['Draw', `${props.paintMs.toFixed(1)} ms (the visible window, redrawn on every scroll)`],
    h && 'mode' in h
      ? [
          'Elements',
          `${int(h.elements.length)} drawn of ${int(h.elementCount)} (top ${int(TOP_ELEMENTS)}), ${props.placement ? `${int(props.placement.placed.length - props.placement.missing)} found on the page, ${int(props.placement.missing)} at their recorded box` : 'not placed yet'}; ${h.grid.cells} × ${h.grid.cells} cells each; ${int(h.total)} events`,
        ]
      : [
          'Cells',
          h
            ? `${int(h.cells.length)} drawn of ${int(h.cellCount)} (top ${int(TOP_CELLS)}), ${h.cellSize} px each; ${int(h.total)} events`
            : '–',
        ],
    [
      'Device bucket',
      `${props.device.bucket}: ${rangeText(props.device)}, shown at ${props.device.width} px`,
    ],
    [
      'Page',
      `${props.src || '–'} · ${props.frame ? (props.frame.sameOrigin ? 'same origin, height measured' : 'other origin, height estimated from the data') : 'loading'} · ${int(Math.round(props.stage?.pageHeight ?? 0))} px tall, shown at ${Math.round((props.stage?.currentScale ?? 1) * 100)} %`,
    ],
    [
      'Tracker',
      `time zone ${props.config.timeZone}, today ${props.config.today}, at most ${props.config.maxQueryDays} days per query`,
    ],
  ];
  return (
    <dl class="details">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
