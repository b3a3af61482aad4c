// The heatmap viewer: the tracked page in a same-origin iframe as tall as its document (so the
// iframe never scrolls and page px = stage px), a canvas of the same size on top, and the
// heatmap from GET /mt/heatmap drawn with MonkeyTracker.renderHeatmap / renderScrollReach
// (heatmap.js is @monkeytracker/browser's dist/heatmap.global.js).
//
// State lives in the address bar: /viewer?url=/&kind=click&vw=1280&from=YYYY-MM-DD&to=YYYY-MM-DD.
// For tests: <html data-state="loading|ready|error">, and window.viewer holds the last heatmap.

const $ = (id) => document.getElementById(id);
const iframe = $('page');
const canvas = $('heat');
const stage = $('stage');
const summary = $('summary');
const WIDTHS = [390, 768, 1280, 1440];
const TOP = 5000; // cells asked for: enough for any page, few enough to draw in milliseconds

const day = (ms) => new Date(ms).toISOString().slice(0, 10); // the tracker runs in UTC
const params = new URLSearchParams(location.search);
const state = {
  url: params.get('url') || '/',
  kind: params.get('kind') === 'scroll' ? 'scroll' : 'click',
  vw: WIDTHS.includes(Number(params.get('vw'))) ? Number(params.get('vw')) : 1280,
  // Default: the last 30 days.
  to: params.get('to') || day(Date.now()),
  from: params.get('from') || day(Date.now() - 29 * 86_400_000),
};
window.viewer = { state, heatmap: undefined, renders: 0 };

/** The url the tracker recorded for the page: absolute, as `location.href` without the fragment. */
function pageHref() {
  const url = new URL(state.url, location.origin);
  url.hash = '';
  return url.href;
}

function syncControls() {
  $('url').value = state.url;
  $('from').value = state.from;
  $('to').value = state.to;
  for (const group of ['kind', 'vw']) {
    for (const button of $(group).querySelectorAll('button')) {
      button.setAttribute('role', 'radio');
      button.setAttribute('aria-checked', String(button.dataset.value === String(state[group])));
    }
  }
  const query = new URLSearchParams({
    url: state.url,
    kind: state.kind,
    vw: state.vw,
    from: state.from,
    to: state.to,
  });
  history.replaceState(null, '', `/viewer?${query}`);
}

function setBusy(text) {
  document.documentElement.dataset.state = 'loading';
  summary.textContent = text;
}

/** Loads the page at the chosen width (without the tracking snippet), then draws. */
function loadPage() {
  setBusy('loading the page…');
  stage.style.width = `${state.vw}px`;
  const src = new URL(state.url, location.origin);
  src.searchParams.set('preview', '1');
  iframe.style.height = '800px';
  iframe.onload = () => {
    const doc = iframe.contentDocument;
    const height = doc ? doc.documentElement.scrollHeight : 800;
    iframe.style.height = `${height}px`;
    canvas.style.width = `${state.vw}px`;
    canvas.style.height = `${height}px`;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(state.vw * ratio);
    canvas.height = Math.round(height * ratio);
    draw();
  };
  iframe.src = src.pathname + src.search;
}

let drawing = 0;
/** Fetches the heatmap for the current state and paints it. */
async function draw() {
  const ticket = ++drawing;
  setBusy('querying…');
  const query = new URLSearchParams({
    url: pageHref(),
    kind: state.kind,
    vw: state.vw,
    from: state.from,
    to: state.to,
    top: TOP,
  });
  const started = performance.now();
  try {
    const response = await fetch(`/mt/heatmap?${query}`);
    const body = await response.json();
    if (ticket !== drawing) return; // a newer request is on its way
    if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
    const queryMs = performance.now() - started;
    const render = state.kind === 'scroll' ? MonkeyTracker.renderScrollReach : MonkeyTracker.renderHeatmap;
    const stats = render(canvas, body);
    window.viewer.heatmap = body;
    window.viewer.renders++;
    summary.textContent = describe(body, queryMs, stats.ms);
    document.documentElement.dataset.state = 'ready';
  } catch (error) {
    if (ticket !== drawing) return;
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
    summary.textContent = `error: ${error.message}`;
    document.documentElement.dataset.state = 'error';
  }
}

const n = (x) => x.toLocaleString('en-US');

function describe(heatmap, queryMs, renderMs) {
  const timing = `query ${queryMs.toFixed(0)} ms, draw ${renderMs.toFixed(0)} ms`;
  if (heatmap.total === 0)
    return `no ${state.kind === 'scroll' ? 'page views' : 'clicks'} in this range yet · ${timing}`;
  if (state.kind === 'scroll') {
    const half = (heatmap.reach || []).filter((p) => p.share >= 0.5).pop();
    const depth = half ? ` · half scrolled past ${n(half.y)} px` : '';
    return `${n(heatmap.total)} page views${depth} · ${timing}`;
  }
  const shown = heatmap.cells.length < heatmap.cellCount ? ` (${n(heatmap.cells.length)} drawn)` : '';
  return `${n(heatmap.total)} clicks in ${n(heatmap.cellCount)} cells${shown} · ${timing}`;
}

function pick(group, value) {
  const next = group === 'vw' ? Number(value) : value;
  if (state[group] === next) return;
  state[group] = next;
  syncControls();
  if (group === 'vw') loadPage();
  else draw();
}

for (const group of ['kind', 'vw']) {
  $(group).addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (button) pick(group, button.dataset.value);
  });
}
for (const field of ['from', 'to']) {
  $(field).addEventListener('change', () => {
    if (!$(field).value) return;
    state[field] = $(field).value;
    syncControls();
    draw();
  });
}
$('url').addEventListener('change', () => {
  state.url = $('url').value.trim() || '/';
  syncControls();
  loadPage();
});
$('simulate').addEventListener('click', async () => {
  const button = $('simulate');
  button.disabled = true;
  setBusy('simulating traffic…');
  try {
    const response = await fetch(`/api/simulate?${new URLSearchParams({ page: pageHref() })}`, {
      method: 'POST',
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    await draw();
  } catch (error) {
    summary.textContent = `simulation failed: ${error.message}`;
    document.documentElement.dataset.state = 'error';
  } finally {
    button.disabled = false;
  }
});

syncControls();
loadPage();
