import { isElementKind, type Kind, type TrackerConfig } from './api';
import { addDays, daysIn, isDay, previousPeriod } from './dates';
import { type Device, defaultBucket } from './devices';

export type CompareMode = 'off' | 'diff' | 'side';
/** Where clicks are drawn: at their page position, or on the element they hit as it is laid out now. */
export type MapMode = 'page' | 'element';

/** Everything a view is: all of it lives in the address bar, so any view can be shared. */
export interface ViewState {
  site: string;
  /** The page's url as the tracker keys it (a path); `''`: the busiest page of the range. */
  page: string;
  kind: Kind;
  /** `'element'` only for the kinds with elements (click, rage, dead); never with a comparison. */
  mode: MapMode;
  bucket: number;
  from: string;
  to: string;
  compare: CompareMode;
  /** The baseline of a comparison. */
  cfrom: string;
  cto: string;
  /** Heat layer opacity, 10–100 %. */
  opacity: number;
  /** Dim the page beneath the heat, so colours read on light and dark sections alike. */
  dim: boolean;
  /** Show the developer details (query and draw times, cells, the API call). */
  details: boolean;
}

const KINDS: Kind[] = ['click', 'rage', 'dead', 'scroll', 'move'];
export const DEFAULT_OPACITY = 85;

/** The kinds this tracker answers (its `/config` lists them; older trackers: click, scroll, move). */
export function kindsOf(config: TrackerConfig): Kind[] {
  const listed = Array.isArray(config.kinds) ? config.kinds : ['click', 'scroll', 'move'];
  return KINDS.filter((k) => listed.includes(k));
}

/** The view an address describes, every missing or invalid part replaced by its default. */
export function parseState(search: string, config: TrackerConfig, devices: Device[]): ViewState {
  const q = new URLSearchParams(search);
  const today = config.today;
  const site = config.sites.some((s) => s.id === q.get('site'))
    ? q.get('site')!
    : (config.sites[0]?.id ?? 'default');
  const kind = kindsOf(config).includes(q.get('kind') as Kind) ? (q.get('kind') as Kind) : 'click';
  const mode = q.get('mode') === 'element' && isElementKind(kind) ? 'element' : 'page';
  const bucketParam = Number(q.get('bucket') ?? Number.NaN);
  const bucket = devices.some((d) => d.bucket === bucketParam) ? bucketParam : defaultBucket(devices);
  const maxDays = Math.max(1, config.maxQueryDays);
  let to = isDay(q.get('to') ?? '') ? q.get('to')! : today;
  let from = isDay(q.get('from') ?? '') ? q.get('from')! : addDays(to, -(Math.min(30, maxDays) - 1));
  if (from > to) [from, to] = [to, from];
  if (daysIn(from, to) > maxDays) from = addDays(to, -(maxDays - 1));
  // Element mode draws one period: a comparison in the address gives way to it.
  const compare =
    mode === 'element' ? 'off' : ((['diff', 'side'] as const).find((m) => m === q.get('compare')) ?? 'off');
  const previous = previousPeriod(from, to);
  let cfrom = isDay(q.get('cfrom') ?? '') ? q.get('cfrom')! : previous.from;
  let cto = isDay(q.get('cto') ?? '') ? q.get('cto')! : previous.to;
  if (cfrom > cto) [cfrom, cto] = [cto, cfrom];
  if (daysIn(cfrom, cto) > maxDays) cfrom = addDays(cto, -(maxDays - 1));
  const opacity = Number(q.get('opacity'));
  return {
    site,
    page: q.get('page') ?? '',
    kind,
    mode,
    bucket,
    from,
    to,
    compare,
    cfrom,
    cto,
    opacity:
      Number.isFinite(opacity) && opacity >= 10 && opacity <= 100 ? Math.round(opacity) : DEFAULT_OPACITY,
    dim: q.get('dim') !== '0',
    details: q.get('details') === '1',
  };
}

/** The address-bar query of a view (defaults left out where they cannot change meaning). */
export function toSearch(s: ViewState, config: TrackerConfig): string {
  const q = new URLSearchParams();
  if (config.sites.length > 1) q.set('site', s.site);
  if (s.page) q.set('page', s.page);
  q.set('kind', s.kind);
  if (s.mode === 'element' && isElementKind(s.kind)) q.set('mode', 'element');
  q.set('bucket', String(s.bucket));
  q.set('from', s.from);
  q.set('to', s.to);
  if (s.compare !== 'off') {
    q.set('compare', s.compare);
    q.set('cfrom', s.cfrom);
    q.set('cto', s.cto);
  }
  if (s.opacity !== DEFAULT_OPACITY) q.set('opacity', String(s.opacity));
  if (!s.dim) q.set('dim', '0');
  if (s.details) q.set('details', '1');
  return `?${q}`;
}
