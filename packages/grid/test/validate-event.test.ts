import { DEFAULT_SITE, REJECT_REASONS, validateEvent } from '@monkeytracker/grid';
import { describe, expect, it } from 'vitest';

const good = {
  kind: 'click',
  url: '/pricing',
  x: 10,
  y: 20,
  vw: 1280,
  vh: 800,
  t: 1_700_000_000_000,
  site: 'shop',
};
/** What a validated event without an element carries. */
const NO_ELEMENT = { sel: '', ox: 0, oy: 0, ew: 0, eh: 0 };
const element = { sel: '[data-mt="buy"]>span:nth-of-type(2)', ox: 250, oy: 1000, ew: 120, eh: 40 };

describe('validateEvent', () => {
  it('accepts a good event and floors floats', () => {
    const r = validateEvent({ ...good, x: 10.9, y: 20.2, vw: 1280.5, vh: 799.99, t: 1_700_000_000_000.7 });
    expect(r).toEqual({
      ok: true,
      event: { ...good, x: 10, y: 20, vw: 1280, vh: 799, t: 1_700_000_000_000, ...NO_ELEMENT },
    });
  });

  it('stamps now and the default site when absent', () => {
    const { t: _t, site: _s, ...rest } = good;
    const r = validateEvent(rest, { now: 42 });
    expect(r).toEqual({ ok: true, event: { ...rest, t: 42, site: DEFAULT_SITE, ...NO_ELEMENT } });
  });

  it('rejects a t more than maxFutureMs ahead of now (default 5 minutes), never one in the past', () => {
    const now = 1_700_000_000_000;
    expect(validateEvent({ ...good, t: now + 300_000 }, { now }).ok).toBe(true);
    expect(validateEvent({ ...good, t: now + 300_001 }, { now })).toEqual({ ok: false, reason: 't' });
    expect(validateEvent({ ...good, t: now + 60_000 }, { now, maxFutureMs: 1000 })).toEqual({
      ok: false,
      reason: 't',
    });
    expect(validateEvent({ ...good, t: 0 }, { now }).ok).toBe(true);
  });

  it('rejects lone surrogates in url and site (the journal could not store them as they are)', () => {
    expect(validateEvent({ ...good, url: '/a\ud800b' })).toEqual({ ok: false, reason: 'url' });
    expect(validateEvent({ ...good, url: '/\udc00' })).toEqual({ ok: false, reason: 'url' });
    expect(validateEvent({ ...good, site: 's\ud83d' })).toEqual({ ok: false, reason: 'site' });
    expect(validateEvent({ ...good, url: '/😀', site: 'ü😀' }).ok).toBe(true);
  });

  it('stores x as 0 for scroll events', () => {
    const r = validateEvent({ ...good, kind: 'scroll', x: 300 });
    expect(r.ok && r.event.x).toBe(0);
    const noX = validateEvent({ kind: 'scroll', url: '/', y: 3000, vw: 400, vh: 800 });
    expect(noX.ok).toBe(true);
  });

  it('does not keep unknown fields', () => {
    const r = validateEvent({ ...good, extra: 'x', __proto__: { polluted: true } });
    expect(r.ok && Object.keys(r.event).sort()).toEqual([
      'eh',
      'ew',
      'kind',
      'ox',
      'oy',
      'sel',
      'site',
      't',
      'url',
      'vh',
      'vw',
      'x',
      'y',
    ]);
  });

  it('reads an empty selector with zero fields as no element: a validated event validates again', () => {
    const once = validateEvent({ ...good });
    expect(once.ok && validateEvent(once.event)).toEqual(once);
    const anchored = validateEvent({ ...good, ...element });
    expect(anchored.ok && validateEvent(anchored.event)).toEqual(anchored);
  });

  it('keeps the element a click, rage or dead click hit, offsets floored', () => {
    for (const kind of ['click', 'rage', 'dead']) {
      const r = validateEvent({ ...good, kind, ...element, ox: 250.9, ew: 120.5 });
      expect(r).toEqual({ ok: true, event: { ...good, kind, ...element } });
    }
  });

  const bad: [string, unknown, string][] = [
    ['null', null, 'shape'],
    ['a string', 'click', 'shape'],
    ['an array', [good], 'shape'],
    ['a number', 5, 'shape'],
    ['missing kind', { ...good, kind: undefined }, 'kind'],
    ['unknown kind', { ...good, kind: 'hover' }, 'kind'],
    ['kind with wrong case', { ...good, kind: 'Click' }, 'kind'],
    ['missing url', { ...good, url: undefined }, 'url'],
    ['empty url', { ...good, url: '' }, 'url'],
    ['url too long', { ...good, url: `/${'a'.repeat(2048)}` }, 'url'],
    ['url not a string', { ...good, url: 42 }, 'url'],
    ['x NaN', { ...good, x: Number.NaN }, 'x'],
    ['x Infinity', { ...good, x: Number.POSITIVE_INFINITY }, 'x'],
    ['x negative', { ...good, x: -1 }, 'x'],
    ['x as string', { ...good, x: '10' }, 'x'],
    ['x past 1,000,000', { ...good, x: 1_000_001 }, 'x'],
    ['x missing', { ...good, x: undefined }, 'x'],
    ['y -Infinity', { ...good, y: Number.NEGATIVE_INFINITY }, 'y'],
    ['y null', { ...good, y: null }, 'y'],
    ['y past 1,000,000', { ...good, y: 2e6 }, 'y'],
    ['scroll with a bad x', { ...good, kind: 'scroll', x: Number.NaN }, 'x'],
    ['vw 0 is fine but -5 is not', { ...good, vw: -5 }, 'vw'],
    ['vw past 20,000', { ...good, vw: 20_001 }, 'vw'],
    ['vw boolean', { ...good, vw: true }, 'vw'],
    ['vh NaN', { ...good, vh: Number.NaN }, 'vh'],
    ['vh past 20,000', { ...good, vh: 1e9 }, 'vh'],
    ['t negative', { ...good, t: -1 }, 't'],
    ['t string', { ...good, t: '2024-01-01' }, 't'],
    ['t past year 9999', { ...good, t: 1e15 }, 't'],
    ['t NaN', { ...good, t: Number.NaN }, 't'],
    ['site empty', { ...good, site: '' }, 'site'],
    ['site number', { ...good, site: 7 }, 'site'],
    ['site too long', { ...good, site: 's'.repeat(129) }, 'site'],
    ['element on a scroll', { ...good, kind: 'scroll', ...element }, 'element'],
    ['element on a move', { ...good, kind: 'move', ...element }, 'element'],
    ['selector empty with offsets', { ...good, ...element, sel: '' }, 'element'],
    ['selector too long', { ...good, ...element, sel: 'a'.repeat(257) }, 'element'],
    ['selector with a space', { ...good, ...element, sel: 'div p' }, 'element'],
    ['selector with text', { ...good, ...element, sel: '[data-mt="jane@example.com"]' }, 'element'],
    ['selector not a string', { ...good, ...element, sel: 5 }, 'element'],
    ['offset past 1000', { ...good, ...element, ox: 1001 }, 'element'],
    ['offset negative', { ...good, ...element, oy: -1 }, 'element'],
    ['box width missing', { ...good, ...element, ew: undefined }, 'element'],
    ['offsets without a selector', { ...good, ox: 5, oy: 5 }, 'element'],
    ['kind rage with bad x', { ...good, kind: 'rage', x: -3 }, 'x'],
  ];

  it.each(bad)('rejects %s', (_name, input, reason) => {
    expect(validateEvent(input)).toEqual({ ok: false, reason });
  });

  it('covers every documented reason in the table above', () => {
    expect(new Set(bad.map((b) => b[2]))).toEqual(new Set(REJECT_REASONS));
  });

  it('accepts the limits themselves', () => {
    expect(
      validateEvent({
        ...good,
        x: 1_000_000,
        y: 1_000_000,
        vw: 20_000,
        vh: 20_000,
        url: `/${'a'.repeat(2047)}`,
      }).ok,
    ).toBe(true);
    expect(validateEvent({ ...good, vw: 0, vh: 0, x: 0, y: 0, t: 0 }).ok).toBe(true);
  });

  it('honours custom limits', () => {
    expect(validateEvent({ ...good, x: 600 }, { maxCoordinate: 500 })).toEqual({ ok: false, reason: 'x' });
    expect(validateEvent({ ...good, url: '/abcdef' }, { maxUrlLength: 4 })).toEqual({
      ok: false,
      reason: 'url',
    });
  });
});
