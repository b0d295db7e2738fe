// Chromium for the tests: Debian's /usr/bin/chromium driven by playwright-core, headless, with a
// fresh profile, no network chatter. Every page records console errors, uncaught exceptions and
// CSP violations; `withPage` fails the test on any of them and saves a screenshot on failure.
// `keyScreen` saves a screenshot of a key screen and checks it with axe-core (WCAG 2.2 AA).

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { expectAccessible } from './a11y.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const BASE_URL = (process.env.CINEMA_BASE_URL ?? '').replace(/\/$/, '');
export const ARTIFACTS = process.env.BROWSER_ARTIFACTS ?? path.resolve(here, '../../../target/browser-artifacts');
const EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

if (!BASE_URL) {
  throw new Error('CINEMA_BASE_URL is not set: run scripts/browser-test, or point it at a running app (dev_auth=true)');
}

export async function launchBrowser() {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Playwright gives every launch a fresh temporary --user-data-dir.
  return chromium.launch({
    executablePath: EXECUTABLE,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/**
 * A fresh browser context (own storage: one signed-in person) and a page in it. The UI is Korean
 * until someone chooses otherwise; `language` is that choice, made before the first page loads
 * (default: English for an English `locale`, none for a Korean one; `null`: none). `timezoneId`
 * is the device's zone (the venue's, Asia/Seoul, unless a test says otherwise).
 */
export async function newPage(browser, {
  viewport = DESKTOP, locale = 'en-US', mobile = false, baseURL = BASE_URL, timezoneId = 'Asia/Seoul',
  language = locale.startsWith('ko') ? null : 'en',
} = {}) {
  const context = await browser.newContext({
    baseURL, viewport, locale, timezoneId, isMobile: mobile, hasTouch: mobile,
    deviceScaleFactor: 1,
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // A server without account preferences answers 404/405: the page ignores it, and so do we.
    const preferencesAbsent = /\/api\/my\/preferences$/.test(message.location()?.url ?? '')
      && /status of 40[45]/.test(message.text());
    if (!preferencesAbsent) page.problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => page.problems.push(`uncaught: ${error.message}`));
  if (language) {
    await page.addInitScript((chosen) => {
      if (!localStorage.getItem('cinema.lang')) localStorage.setItem('cinema.lang', chosen);
    }, language);
  }
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return page;
}

/**
 * Runs `body(page)` in a new page; on failure saves `failure-<name>.png`. Fails when the page
 * logged errors (4xx answers the test provoked are expected there and filtered by `allow`).
 */
export async function withPage(browser, name, body, { allow = [], ...options } = {}) {
  const page = await newPage(browser, options);
  try {
    await body(page);
    const problems = page.problems.filter((p) => !allow.some((pattern) => pattern.test(p)));
    if (problems.length) throw new Error(`the page reported problems:\n${problems.join('\n')}`);
  } catch (error) {
    await page.screenshot({ path: path.join(ARTIFACTS, `failure-${name}.png`), fullPage: true }).catch(() => {});
    throw error;
  } finally {
    await page.context().close();
  }
}

export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A key screen: its screenshot, and no WCAG 2.2 AA violations axe-core can find on it. */
export async function keyScreen(page, name) {
  await screenshot(page, name);
  await expectAccessible(page, name);
}
