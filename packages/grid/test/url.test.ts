import { createUrlNormalizer, createUrlParser, normalizeUrl } from '@monkeytracker/grid';
import { describe, expect, it } from 'vitest';

describe('normalizeUrl', () => {
  it.each([
    ['/pricing/', '/pricing'],
    ['/', '/'],
    ['/a//', '/a'],
    ['pricing', '/pricing'],
    ['/a?utm_source=x#top', '/a'],
    ['/a#frag', '/a'],
    ['HTTPS://Example.COM/Path/', '/Path'],
    ['https://example.com', '/'],
    ['https://example.com:443/x', '/x'],
    ['http://example.com:8080/x?', '/x'],
    ['/ünïcode path', '/%C3%BCn%C3%AFcode%20path'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeUrl(input)).toBe(expected);
  });

  it('keeps only the configured query keys, sorted, so order does not split a page', () => {
    const opts = { keepQuery: ['lang', 'color'] };
    expect(normalizeUrl('/p?lang=cs&utm=1&color=red', opts)).toBe('/p?color=red&lang=cs');
    expect(normalizeUrl('/p?color=red&lang=cs', opts)).toBe('/p?color=red&lang=cs');
    expect(normalizeUrl('/p?color=a&color=b', opts)).toBe('/p?color=a&color=b');
    expect(normalizeUrl('/p?utm=1', opts)).toBe('/p');
  });

  it('maps paths onto templates', () => {
    const opts = { templates: ['/product/:id', '/blog/*', '/u/:user/settings'] };
    expect(normalizeUrl('/product/17', opts)).toBe('/product/:id');
    expect(normalizeUrl('/product/18/', opts)).toBe('/product/:id');
    expect(normalizeUrl('/product/18/reviews', opts)).toBe('/product/18/reviews');
    expect(normalizeUrl('/product', opts)).toBe('/product');
    expect(normalizeUrl('/blog/2024/hello', opts)).toBe('/blog/*');
    expect(normalizeUrl('/blog', opts)).toBe('/blog');
    expect(normalizeUrl('/u/ann/settings', opts)).toBe('/u/:user/settings');
    expect(normalizeUrl('https://Shop.example/product/3?x=1', opts)).toBe('/product/:id');
  });

  it('keys pages by path: what users type (/pricing) and what browsers send (location.href) meet', () => {
    const opts = { keepQuery: ['lang'] };
    expect(normalizeUrl('https://www.shop.example/a/?lang=cs&x=1', opts)).toBe('/a?lang=cs');
    expect(normalizeUrl('http://127.0.0.1:3000/a', opts)).toBe('/a');
    expect(normalizeUrl('/a/', opts)).toBe('/a');
    expect(normalizeUrl('https://shop.example', opts)).toBe('/');
  });

  it('parses the host apart, lowercased, without default ports, for the site', () => {
    const parse = createUrlParser({ templates: ['/p/:id'] });
    expect(parse('HTTPS://WWW.Shop.example:443/p/7#x')).toEqual({ host: 'www.shop.example', page: '/p/:id' });
    expect(parse('http://localhost:3000/')).toEqual({ host: 'localhost:3000', page: '/' });
    expect(parse('http://[::1]:8080/a')).toEqual({ host: '[::1]:8080', page: '/a' });
    expect(parse('/only/path')).toEqual({ host: undefined, page: '/only/path' });
    expect(parse('http://')).toBeUndefined();
  });

  it('treats regex characters in templates literally', () => {
    expect(normalizeUrl('/a.b/1', { templates: ['/a.b/:n'] })).toBe('/a.b/:n');
    expect(normalizeUrl('/aXb/1', { templates: ['/a.b/:n'] })).toBe('/aXb/1');
  });

  it('rejects bad templates with a clear error', () => {
    expect(() => normalizeUrl('/', { templates: ['product/:id'] })).toThrow(
      /must be a path starting with "\/"/,
    );
    expect(() => normalizeUrl('/', { templates: ['/*/x'] })).toThrow(/may only end/);
    expect(() => normalizeUrl('/', { templates: ['/a:b'] })).toThrow(/must be literal/);
  });

  it('throws InvalidUrlError for urls it cannot parse; the normalizer returns undefined', () => {
    expect(() => normalizeUrl('http://')).toThrow(expect.objectContaining({ code: 'INVALID_URL' }));
    const normalize = createUrlNormalizer();
    expect(normalize('http://')).toBeUndefined();
    expect(normalize('')).toBeUndefined();
  });
});
