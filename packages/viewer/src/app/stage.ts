// The stage: the tracked page beneath a heat canvas, for pages of any height.
//
// The stage is a scroll container whose content (the spacer) is as tall as the page at the
// current scale; inside it each pane holds a sticky layer the size of the visible area with the
// canvas on top. The canvas is never taller than the screen: on every scroll it is redrawn for
// the window of the page now in view (`origin` of the renderers), so a 60,000 px page draws at
// its bottom as fast as at its top, far past the browser's ~32,767 px canvas limit.
//
// The page itself: a same-origin page is framed at the size of the visible area, inside the
// sticky layer, and scrolled along (`contentWindow.scrollTo`): it keeps its real viewport, so
// `100vh` sections stay a screen tall, and its height is measured. A page on another origin
// cannot be scrolled or measured from here, so it is framed at full height beneath the layer
// (the height estimated from the data: the deepest event). Either way the canvas catches the
// pointer (hover readouts) while the wheel, touch and keys scroll the stage.
import { PREVIEW_FRAME_NAME } from '@monkeytracker/browser';

/** What a paint call draws: the window of the page on one pane's canvas. */
export interface StageView {
  /** The page depth (page px) at the canvas's top edge. */
  originY: number;
  /** Page px → CSS px. */
  scale: number;
  /** Canvas px per CSS px. */
  dpr: number;
  /** The canvas's CSS size. */
  width: number;
  height: number;
}

/** Where the pointer is over a pane, in page px. */
export interface Hover {
  pane: number;
  x: number;
  y: number;
  clientX: number;
  clientY: number;
}

/** What is known about the framed page once it loaded. */
export interface FrameInfo {
  sameOrigin: boolean;
  /** A same-origin page that could not be read: it refused to be framed, or went to another origin. */
  blocked: boolean;
  /** The page's HTTP status, when the browser tells (same origin). */
  status?: number;
  /** The page height used, page px. */
  height: number;
}

export interface StageSetup {
  /** The page's address; `''` for none. */
  src: string;
  /** The width the page is laid out at, CSS px. */
  width: number;
  /** 1, or 2 side by side. */
  panes: number;
  /** A caption on each pane (side by side). */
  captions: string[];
  /** The page height to assume until (or unless) it can be measured. */
  estimatedHeight: number;
  paint(pane: number, canvas: HTMLCanvasElement, view: StageView): void;
  onHover(hover: Hover | undefined): void;
  onFrame(info: FrameInfo): void;
}

/** The framed page's document, for looking elements up (same origin and loaded only). */
export interface FrameContext {
  doc: Document;
  win: Window;
  /**
   * Changes when the page loads again, resizes or its DOM changes: lookups cached for one
   * version are stale in the next.
   */
  version: number;
}

interface Pane {
  el: HTMLDivElement;
  layer: HTMLDivElement;
  canvas: HTMLCanvasElement;
  caption: HTMLDivElement;
  frame: HTMLIFrameElement | undefined;
}

const GAP = 16;

export class Stage {
  readonly root: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private panes: Pane[] = [];
  private setup: StageSetup | undefined;
  private sameOrigin = true;
  private measured = 0;
  private scale = 1;
  private layerHeight = 0;
  private frame = 0;
  private hover: { pane: number; clientX: number; clientY: number } | undefined;
  /** The page depth at the top when the hover was last reported (a scroll moves the page under a still pointer). */
  private hoverOrigin = -1;
  private readonly resize: ResizeObserver;
  private frameObserver: ResizeObserver | undefined;
  private frameMutations: MutationObserver | undefined;
  private context: FrameContext | undefined;
  private contextVersion = 0;
  /** Wall time of the last paint of all panes, ms. */
  lastPaintMs = 0;
  /** Paints so far. */
  paints = 0;

  constructor(parent: HTMLElement) {
    this.root = document.createElement('div');
    this.root.className = 'stage';
    this.root.tabIndex = 0;
    this.root.setAttribute('aria-label', 'The page with its heatmap; scroll to move through the page');
    this.spacer = document.createElement('div');
    this.spacer.className = 'stage-spacer';
    this.root.append(this.spacer);
    parent.append(this.root);
    this.root.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.resize = new ResizeObserver(() => this.layout());
    this.resize.observe(this.root);
  }

  /** Shows a page (rebuilding the frames when the page, width or number of panes changed) and repaints. */
  update(setup: StageSetup): void {
    const old = this.setup;
    this.setup = setup;
    if (!old || old.src !== setup.src || old.width !== setup.width || old.panes !== setup.panes) this.build();
    this.panes.forEach((pane, i) => {
      pane.caption.textContent = setup.captions[i] ?? '';
      pane.caption.hidden = !setup.captions[i];
    });
    this.layout();
  }

  /** The page height in use: measured (same origin) or estimated. */
  get pageHeight(): number {
    const estimate = this.setup?.estimatedHeight ?? 0;
    return Math.max(1, this.sameOrigin && this.measured > 0 ? this.measured : estimate);
  }

  /** Scrolls so that page depth `y` is at the top; resolves after the repaint. */
  scrollToY(y: number): Promise<void> {
    this.root.scrollTop = y * this.scale;
    return new Promise((resolve) =>
      requestAnimationFrame(() => {
        this.sync();
        resolve();
      }),
    );
  }

  /** The page depth at the top of the visible area. */
  get originY(): number {
    return this.root.scrollTop / this.scale;
  }

  get currentScale(): number {
    return this.scale;
  }

  /** The first pane's framed document, when it is on this origin and loaded; else `undefined`. */
  get frameContext(): FrameContext | undefined {
    const c = this.context;
    if (!c) return undefined;
    try {
      if (this.panes[0]?.frame?.contentDocument !== c.doc) return undefined;
    } catch {
      return undefined;
    }
    return c;
  }

  /** The height of the visible window, page px. */
  get viewHeight(): number {
    return this.layerHeight / this.scale;
  }

  /**
   * Scrolls so that the page band `y`…`y + height` (page px) is in view, a third down the
   * window when it has to move; resolves after the repaint.
   */
  reveal(y: number, height: number): Promise<void> {
    const top = this.originY;
    const view = this.viewHeight;
    if (y >= top && y + height <= top + view) return Promise.resolve(this.sync());
    const target = height >= view * 0.8 ? y - 20 : y - (view - height) / 3;
    return this.scrollToY(Math.max(0, target));
  }

  /** Repaints now (e.g. new data or options). */
  repaint(): void {
    this.sync();
  }

  destroy(): void {
    this.resize.disconnect();
    this.frameObserver?.disconnect();
    this.frameMutations?.disconnect();
    cancelAnimationFrame(this.frame);
    this.root.remove();
  }

  private build(): void {
    const setup = this.setup!;
    this.frameObserver?.disconnect();
    this.frameObserver = undefined;
    this.frameMutations?.disconnect();
    this.frameMutations = undefined;
    this.context = undefined;
    this.spacer.replaceChildren();
    this.measured = 0;
    let sameOrigin = true;
    try {
      sameOrigin = setup.src === '' || new URL(setup.src, location.href).origin === location.origin;
    } catch {}
    this.sameOrigin = sameOrigin;
    this.panes = [];
    for (let i = 0; i < setup.panes; i++) {
      const el = document.createElement('div');
      el.className = 'pane';
      const layer = document.createElement('div');
      layer.className = 'layer';
      const scrim = document.createElement('div');
      scrim.className = 'scrim';
      const canvas = document.createElement('canvas');
      canvas.className = 'heat';
      const caption = document.createElement('div');
      caption.className = 'caption';
      let frame: HTMLIFrameElement | undefined;
      if (setup.src) {
        frame = document.createElement('iframe');
        frame.name = PREVIEW_FRAME_NAME; // the snippet does not track in here
        frame.title = 'The tracked page';
        frame.tabIndex = -1;
        frame.setAttribute('scrolling', 'no');
        frame.setAttribute('aria-hidden', 'true');
        frame.className = sameOrigin ? 'page-frame' : 'page-frame full';
        frame.addEventListener('load', () => this.loaded(frame!, i));
        frame.src = setup.src;
      }
      if (frame && sameOrigin) layer.append(frame);
      layer.append(scrim, canvas, caption);
      if (frame && !sameOrigin) el.append(frame);
      el.append(layer);
      canvas.addEventListener('pointermove', (e) => {
        this.hover = { pane: i, clientX: e.clientX, clientY: e.clientY };
        this.emitHover();
      });
      canvas.addEventListener('pointerleave', () => {
        this.hover = undefined;
        setup.onHover(undefined);
      });
      this.spacer.append(el);
      this.panes.push({ el, layer, canvas, caption, frame });
    }
  }

  private loaded(frame: HTMLIFrameElement, index: number): void {
    const setup = this.setup!;
    if (!this.sameOrigin) {
      if (index === 0) setup.onFrame({ sameOrigin: false, blocked: false, height: this.pageHeight });
      return;
    }
    let doc: Document | null = null;
    try {
      doc = frame.contentDocument;
    } catch {}
    const win = frame.contentWindow as (Window & typeof globalThis) | null;
    if (!doc || !win || doc.URL === 'about:blank') {
      if (index === 0) {
        this.context = undefined;
        setup.onFrame({ sameOrigin: true, blocked: true, height: this.pageHeight });
      }
      return;
    }
    let status: number | undefined;
    try {
      const nav = win.performance.getEntriesByType('navigation')[0] as
        | (PerformanceNavigationTiming & { responseStatus?: number })
        | undefined;
      status = nav?.responseStatus || undefined;
    } catch {}
    if (index === 0) {
      const context: FrameContext = { doc, win, version: ++this.contextVersion };
      this.context = context;
      // A resize or a change of the DOM may move, add or remove elements: a new version (element
      // lookups are redone) and a repaint.
      const changed = () => {
        context.version = ++this.contextVersion;
        this.schedule();
      };
      const measure = () => {
        const height = Math.max(doc.documentElement.scrollHeight, doc.body?.scrollHeight ?? 0);
        if (height > 0 && height !== this.measured) {
          this.measured = height;
          this.layout();
        }
      };
      measure();
      this.frameObserver?.disconnect();
      this.frameMutations?.disconnect();
      try {
        this.frameObserver = new win.ResizeObserver(() => {
          measure();
          changed();
        });
        this.frameObserver.observe(doc.documentElement);
        if (doc.body) this.frameObserver.observe(doc.body);
        this.frameMutations = new win.MutationObserver(changed);
        this.frameMutations.observe(doc.documentElement, { childList: true, subtree: true });
      } catch {}
      setup.onFrame({ sameOrigin: true, blocked: false, status, height: this.pageHeight });
    }
    this.syncFrames();
  }

  /** Sizes everything for the stage's width and height, then repaints. */
  private layout(): void {
    const setup = this.setup;
    if (!setup) return;
    const n = this.panes.length;
    const style = getComputedStyle(this.spacer);
    const pad = Number.parseFloat(style.paddingLeft) + Number.parseFloat(style.paddingRight) || 0;
    const available = Math.max(100, this.root.clientWidth - pad - GAP * (n - 1));
    const scale = Math.min(1, available / n / setup.width);
    const keepY = this.root.scrollTop / this.scale;
    this.scale = scale;
    const height = this.pageHeight;
    const paneWidth = Math.floor(setup.width * scale);
    const spacerHeight = Math.ceil(height * scale);
    const layerHeight = Math.max(1, Math.min(this.root.clientHeight, spacerHeight));
    this.layerHeight = layerHeight;
    this.spacer.style.height = `${spacerHeight}px`;
    this.spacer.style.gap = `${GAP}px`;
    const dpr = window.devicePixelRatio || 1;
    for (const pane of this.panes) {
      pane.el.style.width = `${paneWidth}px`;
      pane.layer.style.height = `${layerHeight}px`;
      pane.canvas.style.width = `${paneWidth}px`;
      pane.canvas.style.height = `${layerHeight}px`;
      const w = Math.round(paneWidth * dpr);
      const h = Math.round(layerHeight * dpr);
      if (pane.canvas.width !== w) pane.canvas.width = w;
      if (pane.canvas.height !== h) pane.canvas.height = h;
      if (pane.frame) {
        const frameHeight = this.sameOrigin ? layerHeight / scale : height;
        pane.frame.style.width = `${setup.width}px`;
        pane.frame.style.height = `${Math.ceil(frameHeight)}px`;
        pane.frame.style.transform = scale === 1 ? '' : `scale(${scale})`;
      }
    }
    if (Math.abs(this.root.scrollTop / scale - keepY) > 1) this.root.scrollTop = keepY * scale;
    this.sync();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.sync();
    });
  }

  private syncFrames(): void {
    if (!this.sameOrigin) return;
    const y = this.originY;
    for (const pane of this.panes) {
      try {
        pane.frame?.contentWindow?.scrollTo(0, y);
      } catch {}
    }
  }

  /** Scrolls the frames to the stage's position and repaints every pane. */
  private sync(): void {
    const setup = this.setup;
    if (!setup) return;
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    this.syncFrames();
    const started = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const view: StageView = {
      originY: this.originY,
      scale: this.scale,
      dpr,
      width: this.panes[0] ? Number.parseFloat(this.panes[0].canvas.style.width) : 0,
      height: this.layerHeight,
    };
    for (let i = 0; i < this.panes.length; i++) setup.paint(i, this.panes[i]!.canvas, view);
    this.lastPaintMs = performance.now() - started;
    this.paints++;
    if (this.hover && this.originY !== this.hoverOrigin) this.emitHover();
  }

  private emitHover(): void {
    const h = this.hover;
    const pane = h && this.panes[h.pane];
    if (!h || !pane || !this.setup) return;
    const rect = pane.canvas.getBoundingClientRect();
    this.hoverOrigin = this.originY;
    this.setup.onHover({
      pane: h.pane,
      x: (h.clientX - rect.left) / this.scale,
      y: this.originY + (h.clientY - rect.top) / this.scale,
      clientX: h.clientX,
      clientY: h.clientY,
    });
  }
}
