import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createViewer, VIEWER_ERRORS } from '../src/index';
import { ensureBuilt, packageDir } from './ensure-built';

const text = (body: Uint8Array | string) =>
  typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
/** The options JSON baked into index.html. */
function baked(html: string): Record<string, unknown> {
  const json = /<script type="application\/json" id="mt-viewer-options">(.*?)<\/script>/s.exec(html)?.[1];
  return JSON.parse(json!) as Record<string, unknown>;
}

beforeAll(() => ensureBuilt(), 120_000);

describe('createViewer', () => {
  it('serves index.html with the options baked in and the content-hashed app files it names', () => {
    const viewer = createViewer();
    const index = viewer.asset('index.html')!;
    expect(index.contentType).toBe('text/html; charset=utf-8');
    expect(index.immutable).toBeFalsy();
    expect(viewer.asset('')).toBe(index);
    expect(viewer.asset('/index.html')).toBe(index);
    const html = text(index.body);
    expect(baked(html)).toEqual({ pageOrigins: {}, title: 'MonkeyTracker' });
    const [, css] = /<link rel="stylesheet" href="(app-[0-9a-f]{10}\.css)">/.exec(html)!;
    const [, js] = /<script src="(app-[0-9a-f]{10}\.js)" defer><\/script>/.exec(html)!;
    for (const [name, type] of [
      [css!, 'text/css; charset=utf-8'],
      [js!, 'text/javascript; charset=utf-8'],
    ] as const) {
      const asset = viewer.asset(name)!;
      expect(asset).toMatchObject({ contentType: type, immutable: true });
      const body = Buffer.from(asset.body as Uint8Array);
      expect(body.equals(readFileSync(join(packageDir, 'dist/app', name)))).toBe(true);
      // The name is the content's hash: a new build gets a new name, so caching forever is safe.
      expect(name.slice(4, 14)).toBe(createHash('sha256').update(body).digest('hex').slice(0, 10));
    }
    // Nothing is fetched from anywhere else: no absolute urls in the page or the app.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(text(viewer.asset(js!)!.body)).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });

  it('answers undefined for anything that is not one of its files', () => {
    const viewer = createViewer();
    for (const path of ['manifest.json', '../package.json', 'app.js', 'index.htm', 'nope/index.html'])
      expect(viewer.asset(path), path).toBeUndefined();
  });

  it('bakes pageOrigin (a string, or a function asked about each site) and escapes what it bakes', () => {
    expect(
      baked(text(createViewer({ pageOrigin: 'https://shop.example/some/path' }).asset('index.html')!.body)),
    ).toEqual({
      pageOrigins: {},
      pageOrigin: 'https://shop.example',
      title: 'MonkeyTracker',
    });
    const viewer = createViewer({
      pageOrigin: (site) => (site === 'blog' ? undefined : `https://${site}.example`),
      sites: [{ id: 'shop' }, 'blog'],
      title: 'Heat </script><b>',
    });
    const html = text(viewer.asset('index.html')!.body);
    expect(html).not.toContain('</script><b>');
    expect(html).toContain('<title>Heat &lt;/script&gt;&lt;b&gt;</title>');
    expect(baked(html)).toEqual({
      pageOrigins: { shop: 'https://shop.example' },
      title: 'Heat </script><b>',
    });
  });

  it('refuses bad options with VIEWER_INVALID_OPTION, at creation', () => {
    const bad = [
      { pageOrigin: 'shop.example' },
      { pageOrigin: 'ftp://shop.example' },
      { pageOrigin: () => 'not a url', sites: ['a'] },
      { pageOrigin: () => undefined, sites: 'shop' as never },
      { pageOrigin: () => undefined, sites: [{}] as never },
      { title: '' },
      { title: 'x'.repeat(121) },
    ];
    for (const options of bad) {
      expect(() => createViewer(options), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'VIEWER_INVALID_OPTION' }),
      );
    }
    expect(() => createViewer(null as never)).toThrow(
      expect.objectContaining({ code: 'VIEWER_INVALID_OPTION' }),
    );
    expect(Object.keys(VIEWER_ERRORS).sort()).toEqual(['VIEWER_INVALID_OPTION', 'VIEWER_NOT_BUILT']);
  });

  it('has a sign-in page with no data whose one script and style are allowed by hash', () => {
    const { loginPage } = createViewer({ title: 'Acme heatmaps' });
    const html = text(loginPage.body);
    expect(loginPage.contentType).toBe('text/html; charset=utf-8');
    expect(html).toContain('<title>Sign in · Acme heatmaps</title>');
    expect(html).toContain('monkeytracker_token');
    expect(html).not.toMatch(/app-[0-9a-f]+\.(js|css)|<script src|<link rel="stylesheet"/);
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(loginPage.contentSecurityPolicy).toContain(`script-src ${hash(script)}`);
    expect(loginPage.contentSecurityPolicy).toContain(`style-src ${hash(style)}`);
    expect(loginPage.contentSecurityPolicy).toMatch(/^default-src 'none';.*form-action 'none'/);
  });
});
