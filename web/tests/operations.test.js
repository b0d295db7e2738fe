// The staff operations page (/staff/operations, issue 18) against the real app and its Redis: a
// consumer group of the test's own that nobody reads for shows its lag (a number, a chart) and the
// lag grows when the stream does; an entry on the event stream that is not an event (as
// tests/tests/metrics.rs makes one) is parked by every consumer group and listed as a dead letter;
// replaying theater's asks first, then puts it back on the stream and leaves the table, while
// every group parks the copy again (the page warned). In Korean on a phone: a replay of a letter
// that is gone meanwhile is explained, the page fits the screen, and nothing is fetched while the
// tab is hidden.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as api from './support/api.js';
import { DESKTOP, PHONE, keyScreen, launchBrowser, withPage } from './support/browser.js';
import {
  addNotAnEvent, cannotReachRedis, createIdleGroup, destroyGroup, entriesOf, removeLettersOf,
} from './support/redis.js';
import { expectText, requestsDuring, signIn } from './support/ui.js';

const CONTEXTS = ['reservation', 'payment', 'theater', 'catalog', 'mypage', 'notification', 'reports'];

let browser;
before(async () => { browser = await launchBrowser(); });
after(() => browser?.close());

/** The page's row of one letter. */
const letterRow = (page, context, eventId) => page.locator(`#ops-letters-table tr[data-context="${context}"][data-event-id="${eventId}"]`);
const number = async (locator) => Number((await locator.innerText()).replace(/,/g, ''));

test('staff see a consumer group\'s lag and a dead letter on the operations page, and replay the letter', async (t) => {
  const why = cannotReachRedis();
  if (why) {
    t.skip(`needs the app's Redis: ${why}`);
    return;
  }
  const group = api.unique('ops-probe');
  const garbage = `not an envelope (${api.unique('ops')})`;
  createIdleGroup(group);
  try {
    const eventId = addNotAnEvent(garbage);
    await withPage(browser, 'staff-operations', async (page) => {
      await signIn(page, 'admin', { admin: true });
      await page.getByRole('navigation').getByRole('link', { name: 'Operations' }).click();
      await page.waitForURL(/\/staff\/operations$/);
      await expectText(page.locator('#ops-updated'), /^Updated \d\d:\d\d:\d\d$/);

      // Every context answers; the event stream is readable.
      for (const context of CONTEXTS) {
        await expectText(page.locator(`#ops-contexts-table tr[data-context="${context}"] [data-col="state"]`), /^Answering$/);
      }
      await expectText(page.locator('#ops-summary [data-figure="contexts"] dd'), /^7 of 7 answering$/);
      await expectText(page.locator('#ops-summary [data-figure="stream"] dd'), /^Readable$/);
      await expectText(page.locator('#ops-breaker-state'), /^(Closed|Half-open|Open)$/);

      // The idle group lags by the entry appended since it was made; its chart says so.
      const lag = page.locator(`#ops-groups-table tr[data-group="${group}"] [data-col="lag"]`);
      await expectText(lag, /^[1-9]\d*$/);
      const lagBefore = await number(lag);
      const chart = page.locator(`svg#ops-lag-${group}`);
      assert.equal(await chart.getAttribute('role'), 'img');
      await api.eventually('a second reading drawn as a line', async () => (await chart.locator('polyline').count()) === 1);
      assert.match(await chart.getAttribute('aria-label'), new RegExp(`^Lag of consumer group ${group} over the last 10 minutes: now \\d+, at most \\d+$`));
      await page.locator('#ops-readings summary').click();
      await expectText(page.locator('#ops-readings-table tbody tr').first(), /^\d\d:\d\d:\d\d\t/);

      // The entry is every group's dead letter; theater's is listed with what went wrong.
      const row = letterRow(page, 'theater', eventId);
      await row.waitFor();
      await expectText(row.locator('th'), /Not an event of the contract/);
      assert.notEqual((await row.locator('.ops-letter__error').innerText()).trim(), '—', 'the error is shown');
      for (const context of ['catalog', 'mypage']) await letterRow(page, context, eventId).waitFor();
      await expectText(page.locator('#ops-summary [data-figure="dead-letters"] dd'), /^[1-9]/);
      await expectText(page.locator(`#ops-contexts-table tr[data-context="theater"] [data-col="dead-letters"]`), /^[1-9]/);
      await keyScreen(page, '50-staff-operations-desktop');

      // Replay: asked first (focus on the confirming button, a warning that it will come back).
      await row.getByRole('button', { name: /^Replay/ }).click();
      const yes = row.getByRole('button', { name: /^Replay now/ });
      await yes.waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), await yes.textContent());
      await expectText(row.locator('.ops-confirm'), /every service will park it again/);
      await keyScreen(page, '51-staff-operations-replay-asked');
      // The page's next refresh keeps the question open and the focus on it.
      const stamped = await page.locator('#ops-updated').getAttribute('data-at');
      await api.eventually('a refresh', async () => (await page.locator('#ops-updated').getAttribute('data-at')) !== stamped);
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), await yes.textContent());
      await page.keyboard.press('Enter');

      await expectText(page.locator('#ops-letters-outcome'), new RegExp(`^Replayed theater ${eventId}: it is back on the event stream\\.$`));
      await row.waitFor({ state: 'detached' });
      assert.equal(await letterRow(page, 'catalog', eventId).count(), 1, 'only theater\'s letter was replayed');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'ops-letters-title');

      // The replay appended the entry again: the idle group's lag grows, and theater parks the copy.
      await api.eventually('the idle group to lag one more', async () => (await number(lag)) > lagBefore);
      const copies = await api.eventually('the copy on the stream', async () => {
        const ids = entriesOf(garbage);
        return ids.length === 2 ? ids : null;
      });
      assert.equal(copies[0], eventId);
      await letterRow(page, 'theater', copies[1]).waitFor();
    }, { viewport: DESKTOP });
  } finally {
    destroyGroup(group);
    removeLettersOf(garbage);
  }
});

test('운영 현황 in Korean on a phone: a replay of a letter gone meanwhile is explained, and a hidden tab fetches nothing', async (t) => {
  const why = cannotReachRedis();
  if (why) {
    t.skip(`needs the app's Redis: ${why}`);
    return;
  }
  const garbage = `not an envelope (${api.unique('ops-ko')})`;
  try {
    const eventId = addNotAnEvent(garbage);
    const admin = await api.token('admin', ['admin']);
    await withPage(browser, 'staff-operations-korean', async (page) => {
      await signIn(page, 'admin', { admin: true });
      await page.getByRole('navigation').getByRole('link', { name: '운영 현황' }).click();
      await page.waitForURL(/\/staff\/operations$/);
      await expectText(page.locator('h1'), /^운영 현황$/);
      await expectText(page.locator('#ops-updated'), /^\d\d:\d\d:\d\d 갱신$/);
      await expectText(page.locator('#ops-summary [data-figure="contexts"] dd'), /^\d+개 중 \d+개 응답/);
      await expectText(page.locator('#ops-contexts-table tr[data-context="theater"] th'), /^극장\(상영·좌석\)\s+theater$/);
      await expectText(page.locator('#ops-breaker-state'), /^(닫힘|반열림|열림)$/);
      const row = letterRow(page, 'mypage', eventId);
      await row.waitFor();
      await expectText(row.locator('th'), /계약에 없는 항목/);

      // Nothing wider than the phone but the tables, which scroll inside their own regions.
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the page fits the phone');
      await keyScreen(page, '52-staff-operations-phone-korean');

      // Someone else replays it while the question is open: the page explains, and the row goes.
      await row.getByRole('button', { name: /^다시 처리/ }).click();
      const yes = row.getByRole('button', { name: /^다시 처리하기/ });
      await yes.waitFor();
      const elsewhere = await api.raw('POST', `/admin/events/dead-letters/mypage/${eventId}/retry`, { token: admin });
      assert.equal(elsewhere.status, 200, JSON.stringify(elsewhere.body));
      await yes.click();
      const outcome = page.locator('#ops-letters-outcome');
      await expectText(outcome, new RegExp(`^이미 사라진 데드 레터입니다 \\(다른 화면에서 다시 처리했을 수 있습니다\\): mypage ${eventId}\\.`));
      await expectText(outcome.locator('[role="alert"] .alert__title'), /^찾을 수 없습니다/);
      assert.equal(await outcome.locator('.alert__detail').isVisible(), false, 'the server\'s English text stays folded away');
      await row.waitFor({ state: 'detached' });

      // A hidden tab fetches nothing; shown again, it refreshes at once.
      await page.evaluate(() => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
        document.dispatchEvent(new Event('visibilitychange'));
      });
      assert.equal(await requestsDuring(page, /^\/api\/admin\/metrics$/, 11_000), 0, 'no refresh while hidden');
      const [shown] = await Promise.all([
        page.waitForRequest((request) => new URL(request.url()).pathname === '/api/admin/metrics', { timeout: 3000 }),
        page.evaluate(() => {
          Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
          document.dispatchEvent(new Event('visibilitychange'));
        }),
      ]);
      assert.ok(shown);
    }, { locale: 'ko-KR', viewport: PHONE, mobile: true, allow: [/status of 404/] });
  } finally {
    removeLettersOf(garbage);
  }
});
