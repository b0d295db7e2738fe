// What a person does on the page, and assertions on what the page shows.

import assert from 'node:assert/strict';
import { eventually, seatMap } from './api.js';

/** Signs in through the sign-in page and waits until the header shows who is signed in. */
export async function signIn(page, name, { admin = false } = {}) {
  await page.goto('/signin');
  await page.locator('#signin-name').fill(name);
  await page.locator(admin ? '#role-admin' : '#role-customer').check();
  await page.locator('#signin-submit').click();
  await expectText(page.locator('#who'), new RegExp(name));
}

export async function signOut(page) {
  await page.locator('#sign-out').click();
  await page.locator('#sign-in-link').waitFor();
}

/** Waits until the element's visible text matches (the page updates asynchronously). */
export async function expectText(locator, pattern, timeoutMs = 20_000) {
  let last = '';
  try {
    await eventually(`text ${pattern}`, async () => {
      last = (await locator.first().innerText({ timeout: 1000 }).catch(() => '')) ?? '';
      return pattern.test(last);
    }, timeoutMs);
  } catch {
    assert.fail(`expected ${locator} to show ${pattern}, it shows ${JSON.stringify(last)}`);
  }
}

export async function expectAttribute(locator, name, value, timeoutMs = 15_000) {
  let last = null;
  try {
    await eventually(`${name}=${value}`, async () => {
      last = await locator.getAttribute(name, { timeout: 1000 }).catch(() => null);
      return last === value;
    }, timeoutMs);
  } catch {
    assert.fail(`expected ${locator} to have ${name}="${value}", it has ${JSON.stringify(last)}`);
  }
}

export const seat = (page, label) => page.locator(`.seat-grid [data-seat="${label}"]`);

/** How many requests to the API whose path matches `pattern` the page makes within `ms`. */
export async function requestsDuring(page, pattern, ms) {
  let count = 0;
  const listener = (request) => {
    if (pattern.test(new URL(request.url()).pathname)) count += 1;
  };
  page.on('request', listener);
  await page.waitForTimeout(ms);
  page.off('request', listener);
  return count;
}

/** "Hold seats and continue": waits until the payment step shows the countdown (mm:ss). */
export async function holdSeats(page) {
  await page.locator('#hold').click();
  await page.locator('#hold-countdown').waitFor({ state: 'visible' });
  await expectText(page.locator('#hold-countdown'), /^\d\d:\d\d$/);
}

/** The countdown in seconds (mm:ss → s). */
export async function secondsLeft(page) {
  const text = await page.locator('#hold-countdown').innerText();
  const [, m, s] = text.match(/^(\d\d):(\d\d)$/) ?? [];
  assert.ok(m !== undefined, `the countdown shows ${JSON.stringify(text)}, not mm:ss`);
  return Number(m) * 60 + Number(s);
}

/**
 * From now on the page's seat-map refreshes get the map as it is now, so a change made meanwhile
 * (another customer's hold) reaches the page only through the answers to its own requests (a 409
 * naming the seats), not through a refresh that happens to land first. Returns `thaw()`.
 */
export async function freezeSeatMap(page, screeningId) {
  const now = await seatMap(screeningId);
  assert.equal(now.status, 200, JSON.stringify(now.body));
  const url = `**/api/screenings/${screeningId}/seats`;
  const frozen = (route) => route.fulfill({ json: now.body, headers: { 'cache-control': 'no-store' } });
  await page.route(url, frozen);
  return () => page.unroute(url, frozen);
}
