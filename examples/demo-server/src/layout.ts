// The geometry of the demo landing page (public/index.html + public/site.css), in page px, for
// a given layout width. The stylesheet gives every section and every clickable box a fixed size,
// so these numbers are exact, not guesses: the simulator aims its synthetic clicks at them, and
// the end-to-end test measures the real page in Chromium at each width and compares.
//
// If you change a size in site.css, change it here too (the e2e test will tell you if you forget).

/** One clickable thing on the page: its box in page px and how popular it is with simulated visitors. */
export interface Target {
  /** The element's `data-target` attribute in index.html. */
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Relative share of the simulated clicks. */
  weight: number;
}

export interface PageLayout {
  /** Layout width the geometry was computed for (the viewport minus any scrollbar). */
  width: number;
  /** Document height in px. */
  height: number;
  /** Top of each section, by its id in index.html. */
  sections: Record<SectionId, { top: number; height: number }>;
  targets: Target[];
}

export type SectionId =
  | 'nav'
  | 'hero'
  | 'logos'
  | 'features'
  | 'pricing'
  | 'testimonials'
  | 'faq'
  | 'cta'
  | 'footer';

/** Breakpoints of site.css: below 768 px one column ("mobile"), below 992 px "tablet". */
type Mode = 'mobile' | 'tablet' | 'desktop';

function modeOf(width: number): Mode {
  return width < 768 ? 'mobile' : width < 992 ? 'tablet' : 'desktop';
}

const MAX_CONTENT = 1120;
const SECTION_HEAD = 140; // title block at the top of features, pricing, testimonials, faq
const SECTION_FOOT = 80; // padding below their grids

/** A grid of `count` fixed-height boxes in `cols` columns; returns the boxes and the grid height. */
function grid(
  left: number,
  top: number,
  width: number,
  cols: number,
  count: number,
  boxH: number,
  gap: number,
) {
  const boxW = (width - gap * (cols - 1)) / cols;
  const rows = Math.ceil(count / cols);
  const boxes = Array.from({ length: count }, (_, i) => ({
    x: left + (i % cols) * (boxW + gap),
    y: top + Math.floor(i / cols) * (boxH + gap),
    w: boxW,
    h: boxH,
  }));
  return { boxes, height: rows * boxH + (rows - 1) * gap };
}

/**
 * The page's geometry for a viewport `viewportWidth` px wide (what the media queries of site.css
 * see) laid out `width` px wide (the viewport minus a classic scrollbar, if any). The simulator
 * passes the viewport width for both: a scrollbar shifts centred content by ~7 px, well inside
 * its jitter.
 */
export function pageLayout(viewportWidth: number, width = viewportWidth): PageLayout {
  const mode = modeOf(viewportWidth); // media queries see the viewport, scrollbar included
  const pad = mode === 'mobile' ? 16 : 24;
  const content = Math.min(width - 2 * pad, MAX_CONTENT);
  const left = (width - content) / 2;
  const gap = mode === 'mobile' ? 16 : 24;
  const targets: Target[] = [];
  const sections = {} as PageLayout['sections'];
  let y = 0;
  const section = (id: SectionId, height: number) => {
    sections[id] = { top: y, height };
    y += height;
  };
  const add = (id: string, box: { x: number; y: number; w: number; h: number }, weight: number) => {
    targets.push({ id, ...box, weight });
  };

  // nav: logo on the left; desktop/tablet: three links + "Sign in" on the right, mobile: "Menu".
  if (mode === 'mobile') {
    add('nav-menu', { x: left + content - 72, y: 12, w: 72, h: 40 }, 3);
  } else {
    const signIn = left + content - 112;
    add('nav-signin', { x: signIn, y: 12, w: 112, h: 40 }, 4);
    const links = ['nav-faq', 'nav-pricing', 'nav-features']; // right to left
    for (const [i, id] of links.entries()) {
      add(id, { x: signIn - 16 - (i + 1) * 96, y: 12, w: 96, h: 40 }, [1.5, 5, 2][i]!);
    }
  }
  add('logo', { x: left, y: 12, w: 160, h: 40 }, 1);
  section('nav', 64);

  // hero: two calls to action, side by side and centred, or stacked on phones.
  const heroTop = y;
  if (mode === 'mobile') {
    add('hero-trial', { x: left, y: heroTop + 380, w: content, h: 52 }, 22);
    add('hero-demo', { x: left, y: heroTop + 444, w: content, h: 52 }, 8);
    add('hero-shot', { x: left, y: heroTop + 520, w: content, h: 96 }, 3);
    section('hero', 640);
  } else {
    const x0 = width / 2 - 208;
    add('hero-trial', { x: x0, y: heroTop + 340, w: 200, h: 52 }, 22);
    add('hero-demo', { x: x0 + 216, y: heroTop + 340, w: 200, h: 52 }, 8);
    add('hero-shot', { x: left + content / 2 - 240, y: heroTop + 424, w: 480, h: 112 }, 3);
    section('hero', 560);
  }

  section('logos', 120);

  // features: six cards, each with a "Learn more" button at its bottom left.
  {
    const top = y;
    const cols = mode === 'mobile' ? 1 : mode === 'tablet' ? 2 : 3;
    const g = grid(left, top + SECTION_HEAD, content, cols, 6, mode === 'mobile' ? 180 : 200, gap);
    for (const [i, box] of g.boxes.entries())
      add(
        `feature-${i + 1}`,
        { x: box.x + 24, y: box.y + box.h - 24 - 36, w: 120, h: 36 },
        [4, 3, 2, 1.5, 1, 1][i]!,
      );
    section('features', SECTION_HEAD + g.height + SECTION_FOOT);
  }

  // pricing: three plans, the middle one "popular"; a full-width button at each card's bottom.
  {
    const top = y;
    const g = grid(left, top + SECTION_HEAD, content, mode === 'mobile' ? 1 : 3, 3, 440, gap);
    for (const [i, box] of g.boxes.entries())
      add(
        `plan-${['starter', 'team', 'scale'][i]}`,
        { x: box.x + 24, y: box.y + box.h - 24 - 48, w: box.w - 48, h: 48 },
        [6, 12, 4][i]!,
      );
    section('pricing', SECTION_HEAD + g.height + SECTION_FOOT);
  }

  // testimonials: three quotes, not clickable (the simulator clicks them a little anyway).
  {
    const top = y;
    const g = grid(left, top + SECTION_HEAD, content, mode === 'mobile' ? 1 : 3, 3, 220, gap);
    for (const [i, box] of g.boxes.entries()) add(`quote-${i + 1}`, box, 0.7);
    section('testimonials', SECTION_HEAD + g.height + SECTION_FOOT);
  }

  // faq: six questions in two columns (one on phones), each a fixed-height box.
  {
    const top = y;
    const g = grid(left, top + SECTION_HEAD, content, mode === 'mobile' ? 1 : 2, 6, 120, 16);
    // The question button fills the top of its box, inside a 1 px border.
    for (const [i, box] of g.boxes.entries())
      add(`faq-${i + 1}`, { x: box.x + 1, y: box.y + 1, w: box.w - 2, h: 40 }, [3, 2, 1.5, 1, 1, 0.8][i]!);
    section('faq', SECTION_HEAD + g.height + SECTION_FOOT);
  }

  // cta: one centred button.
  add('cta-trial', { x: width / 2 - 120, y: y + 200, w: 240, h: 56 }, 7);
  section('cta', 320);

  // footer: four columns of four links (two columns on phones).
  {
    const top = y;
    const cols = mode === 'mobile' ? 2 : 4;
    const colW = content / cols;
    for (let c = 0; c < 4; c++) {
      const x = left + (c % cols) * colW;
      const y0 = top + 64 + Math.floor(c / cols) * 192 + 40;
      for (let l = 0; l < 4; l++) add(`footer-${c + 1}-${l + 1}`, { x, y: y0 + l * 32, w: 140, h: 24 }, 0.6);
    }
    section('footer', mode === 'mobile' ? 480 : 320);
  }

  return { width, height: y, sections, targets };
}
