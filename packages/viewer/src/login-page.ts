import { createHash } from 'node:crypto';

// The sign-in page's one style sheet and one script, inline (the page is served without any
// other file), allowed by their hashes in its Content-Security-Policy.
const STYLE = `  :root { color-scheme: light dark; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #eef1f6; color: #1c2230; }
  form { width: min(360px, calc(100vw - 32px)); padding: 28px; border-radius: 12px; background: #fff; box-shadow: 0 6px 30px rgb(0 0 0 / 0.12); }
  h1 { margin: 0 0 6px; font-size: 19px; }
  p { margin: 0 0 18px; color: #4b5468; }
  label { display: block; font-weight: 600; margin-bottom: 6px; }
  input { box-sizing: border-box; width: 100%; height: 40px; padding: 0 10px; border: 1px solid #b9c0cf; border-radius: 8px; font: inherit; }
  input:focus-visible, button:focus-visible { outline: 3px solid #ff8a3d; outline-offset: 2px; }
  button { margin-top: 14px; width: 100%; height: 40px; border: 0; border-radius: 8px; background: #1f2a44; color: #fff; font: inherit; font-weight: 600; cursor: pointer; }
  .error { color: #b3261e; margin: 10px 0 0; }
  @media (prefers-color-scheme: dark) {
    body { background: #12151c; color: #e8ebf2; }
    form { background: #1d222d; }
    p { color: #aab2c5; }
    input { background: #12151c; color: inherit; border-color: #3b4457; }
    button { background: #ff7a2f; color: #1b1206; }
  }
`;

// The inline script: the only script on the page, allowed by its hash.
const SCRIPT = `  (function () {
    var name = 'monkeytracker_token';
    var path = location.pathname.replace(/\\/viewer(?:\\/.*)?$/, '') || '/';
    var attributes = '; Path=' + path + '; SameSite=Strict' + (location.protocol === 'https:' ? '; Secure' : '');
    if (document.cookie.split('; ').some(function (c) { return c.indexOf(name + '=') === 0; })) {
      document.getElementById('error').hidden = false;
    }
    document.getElementById('login').addEventListener('submit', function (event) {
      event.preventDefault();
      var token = document.getElementById('token').value.trim();
      if (!token) return;
      document.cookie = name + '=' + encodeURIComponent(token) + attributes;
      location.reload();
    });
  })();
`;

/** `sha256-<base64>` of `text`, for a CSP source list. */
function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

/**
 * The page the handler answers with `401` to a browser that may not read yet: a form for the
 * read token, stored in the cookie `monkeytracker_token` (Path = the handler's prefix,
 * SameSite=Strict, Secure on https), then a reload. It carries no data: no page names, no
 * counts, not even the prefix (the script derives the cookie's path from the address).
 */
export function loginPage(title: string): { html: string; contentSecurityPolicy: string } {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>Sign in · ${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<form id="login">
  <h1>${escapeHtml(title)}</h1>
  <p>Enter the read token to see the heatmaps.</p>
  <input type="text" name="username" value="monkeytracker" autocomplete="username" hidden>
  <label for="token">Read token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
  <p class="error" id="error" role="alert" hidden>That token was not accepted. Check it and try again.</p>
  <button type="submit">Sign in</button>
</form>
<script>${SCRIPT}</script>
</body>
</html>
`;
  return {
    html,
    contentSecurityPolicy: `default-src 'none'; script-src '${sha256(SCRIPT)}'; style-src '${sha256(STYLE)}'; img-src data:; form-action 'none'; frame-ancestors 'self'; base-uri 'none'`,
  };
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
