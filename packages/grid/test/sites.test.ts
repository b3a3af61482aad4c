import { createSiteResolver } from '@monkeytracker/grid';
import { describe, expect, it } from 'vitest';

describe('createSiteResolver', () => {
  const resolve = createSiteResolver([
    { id: 'shop', hosts: ['shop.example', 'www.shop.example'] },
    { id: 'blog', hosts: ['blog.example', 'localhost:4000'] },
  ]);

  it("decides the site by the url's host, on any port unless the host names one", () => {
    expect(resolve('default', 'shop.example')).toBe('shop');
    expect(resolve('default', 'www.shop.example:8443')).toBe('shop');
    expect(resolve('default', 'localhost:4000')).toBe('blog');
    expect(resolve('default', 'localhost:4001')).toBe('host');
    expect(resolve('default', 'evil.example')).toBe('host');
  });

  it('refuses a site the client claims for another site’s host', () => {
    expect(resolve('shop', 'shop.example')).toBe('shop');
    expect(resolve('blog', 'shop.example')).toBe('site');
  });

  it("a path (no host) needs a configured site id: the host's own code sending events", () => {
    expect(resolve('blog', undefined)).toBe('blog');
    expect(resolve('default', undefined)).toBe('host');
    expect(resolve('victim-shop', undefined)).toBe('host');
  });

  it('without sites, the given site or default', () => {
    const open = createSiteResolver(undefined);
    expect(open('default', 'any.example')).toBe('default');
    expect(open('mine', undefined)).toBe('mine');
  });

  it('rejects bad site lists with a clear error', () => {
    expect(() => createSiteResolver([{ id: 'a b', hosts: ['x.example'] }])).toThrow(/site id/);
    expect(() => createSiteResolver([{ id: 'default', hosts: ['x.example'] }])).toThrow(/not be "default"/);
    expect(() => createSiteResolver([{ id: 'a', hosts: [] }])).toThrow(/needs hosts/);
    expect(() => createSiteResolver([{ id: 'a', hosts: ['https://x.example/'] }])).toThrow(/host name/);
    expect(() =>
      createSiteResolver([
        { id: 'a', hosts: ['x.example'] },
        { id: 'b', hosts: ['X.example'] },
      ]),
    ).toThrow(/listed by sites a and b/);
  });
});
