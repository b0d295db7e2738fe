// The web component itself (no browser): content types, caching, the client-route fallback,
// JSON 404s and the security headers; and that both dictionaries have the same texts.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import en from '../static/js/i18n/en.js';
import ko from '../static/js/i18n/ko.js';
import { BASE_URL } from './support/browser.js';

const get = (path, headers = {}) => fetch(`${BASE_URL}${path}`, { headers });

test('the app is served with a strict content security policy and revalidation', async () => {
  const page = await get('/');
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(page.headers.get('content-security-policy'), /default-src 'self'/);
  assert.match(page.headers.get('content-security-policy'), /script-src 'self';/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  // The check-in page may use this site's camera; nothing else may, and no frame may.
  assert.match(page.headers.get('permissions-policy'), /(^|, )camera=\(self\)(,|$)/);
  assert.match(page.headers.get('permissions-policy'), /microphone=\(\)/);
  const etag = page.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  assert.match(await page.text(), /<script type="module" src="\/js\/app.js">/);

  const again = await get('/', { 'if-none-match': etag });
  assert.equal(again.status, 304);

  const script = await get('/js/app.js');
  assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  const css = await get('/css/app.css');
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
});

test('app routes fall back to the page, missing files are JSON 404s', async () => {
  for (const path of ['/my', '/staff', '/staff/check-in', '/screenings/whatever', '/bookings/x']) {
    const response = await get(path);
    assert.equal(response.status, 200, path);
    assert.match(await response.text(), /<main id="main"/, path);
  }
  for (const path of ['/nope.js', '/js/nope.js', '/css/missing']) {
    const response = await get(path);
    assert.equal(response.status, 404, path);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal((await response.json()).error, 'not_found');
  }
  const post = await fetch(`${BASE_URL}/`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal((await post.json()).error, 'method_not_allowed');
});

test('the API stays with the gateway', async () => {
  const response = await get('/api/movies');
  assert.equal(response.status, 200);
  assert.ok(Array.isArray(await response.json()));
});

test('Korean and English have the same texts with the same placeholders', () => {
  assert.deepEqual(Object.keys(ko).sort(), Object.keys(en).sort());
  const placeholders = (text) => (text.match(/\{\w+\}/g) ?? []).sort();
  for (const key of Object.keys(en)) {
    assert.deepEqual(placeholders(ko[key]), placeholders(en[key]), key);
  }
});

test('the vendored QR encoder is qrcode-generator exactly as npm ships it (upgrade it through web/package.json)', async () => {
  const shipped = readFileSync(createRequire(import.meta.url).resolve('qrcode-generator').replace(/qrcode\.js$/, 'qrcode.mjs'), 'utf8');
  const served = await get('/js/vendor/qrcode-generator.js');
  assert.equal(served.status, 200);
  assert.equal(served.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(await served.text(), shipped, 'web/static/js/vendor/qrcode-generator.js differs from node_modules/qrcode-generator/dist/qrcode.mjs');
});
