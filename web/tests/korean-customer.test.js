// A Korean customer's page: Korean by default, errors explained in Korean from the error code
// (the server's English text only folded away), the language choice kept by the account, and
// bookings split into upcoming and past / cancelled with the cancellation deadline.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as api from './support/api.js';
import { launchBrowser, keyScreen, withPage } from './support/browser.js';
import { expectAttribute, expectText, freezeSeatMap, holdSeats, seat, signIn } from './support/ui.js';

let browser;
before(async () => { browser = await launchBrowser(); });
after(() => browser?.close());

const refused = (...statuses) => ({ allow: statuses.map((s) => new RegExp(`status of ${s}`)) });
const LATIN_WORD = /[A-Za-z]{3,}/;

/** The visible text of an alert (a closed <details> is not rendered, so not in innerText). */
const visible = (locator) => locator.innerText();

test('with nothing chosen the page is Korean, even in a browser that prefers English', async () => {
  await withPage(browser, 'korean-default', async (page) => {
    await page.goto('/');
    await expectText(page.locator('h1'), /^현재 상영작$/);
    assert.equal(await page.locator('html').getAttribute('lang'), 'ko');
    await page.getByRole('button', { name: /Switch to English/ }).click();
    await expectText(page.locator('h1'), /^Now showing$/);
  }, { locale: 'en-US', language: null });
});

test('a declined card and a seat someone else took are explained in Korean, without the English server text', async () => {
  const { screeningId } = await api.bookableScreening();
  const other = await api.token(api.unique('quick'), ['customer']);
  await withPage(browser, 'korean-errors', async (page) => {
    await signIn(page, api.unique('minji'));
    await page.goto(`/screenings/${screeningId}`);
    await page.getByRole('button', { name: 'A열 1 번 좌석, 선택 가능' }).click();
    await holdSeats(page);
    await page.locator('#card-token').fill('tok_declined');
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/reservations') && r.request().method() === 'POST');
    await page.locator('#pay').click();
    const declined = await (await answer).json();
    assert.equal(declined.error, 'payment_declined');
    assert.match(declined.message, LATIN_WORD, 'the server explains in English');

    const alert = page.getByRole('alert');
    await expectText(alert, /카드가 거절되었습니다/);
    const shown = await visible(alert);
    assert.ok(!shown.includes(declined.message), `the alert shows the server's text: ${shown}`);
    assert.doesNotMatch(shown, LATIN_WORD);
    // Kept for support, folded away and marked as English.
    const folded = alert.locator('details .alert__detail');
    assert.equal(await folded.textContent(), declined.message);
    assert.equal(await folded.getAttribute('lang'), 'en');
    assert.equal(await alert.locator('details').getAttribute('open'), null);
    await keyScreen(page, '25-declined-korean');

    // Another customer takes D3 while this one chooses: the 409 names the seat, in Korean.
    await page.locator('#release-hold').click();
    const thaw = await freezeSeatMap(page, screeningId);
    await page.getByRole('button', { name: 'D열 2 번 좌석, 선택 가능' }).click();
    await page.getByRole('button', { name: 'D열 3 번 좌석, 선택 가능' }).click();
    assert.equal((await api.holdSeats(other, screeningId, ['D3'])).status, 201);
    await page.locator('#hold').click();
    await expectText(page.getByRole('alert'), /일부 좌석을 방금 다른 고객이 선택했습니다: D3\./);
    assert.doesNotMatch(await visible(page.getByRole('alert')), /taken|already/i);
    await expectAttribute(seat(page, 'D3'), 'aria-label', 'D열 3 번 좌석, 방금 다른 고객이 선택');
    await thaw();
  }, { locale: 'ko-KR', ...refused(402, 409) });
});

test('every error code has its own explanation in both languages', async () => {
  const codes = {
    seats_taken: 409, hold_expired: 409, showtime_passed: 422, unknown_screening: 404, not_cancellable: 409,
    payment_declined: 402, payment_unavailable: 503, idempotency_key_reused: 422, validation_failed: 422,
    rate_limited: 429, request_in_progress: 409, unauthorized: 401, forbidden: 403, not_found: 404,
    auth_not_configured: 503, invalid_json: 400, payload_too_large: 413,
    already_checked_in: 409, not_confirmed: 409, no_ticket: 409, invalid_ticket: 422, ticket_not_valid: 409,
    tickets_not_configured: 503, service_unavailable: 503, overloaded: 503, busy: 503,
  };
  await withPage(browser, 'error-codes', async (page) => {
    await page.goto('/');
    await expectText(page.locator('h1'), /^현재 상영작$/);
    const texts = await page.evaluate(async (all) => {
      const { ApiError } = await import('/js/api.js');
      const { describe } = await import('/js/errors.js');
      const { setLanguage } = await import('/js/i18n.js');
      const out = {};
      for (const lang of ['ko', 'en']) {
        setLanguage(lang);
        for (const [code, status] of Object.entries(all)) {
          const error = new ApiError(status, code, 'Server text in English.', 3, code === 'seats_taken' ? ['B2', 'B10'] : null);
          out[`${lang}:${code}`] = describe(error);
        }
        out[`${lang}:generic`] = describe(new ApiError(500, 'internal', 'boom')).title;
      }
      return out;
    }, codes);
    for (const code of Object.keys(codes)) {
      const ko = texts[`ko:${code}`];
      const en = texts[`en:${code}`];
      assert.match(ko.title, /[가-힣]/, `${code} in Korean: ${ko.title}`);
      assert.doesNotMatch(ko.title, LATIN_WORD, `${code} in Korean: ${ko.title}`);
      assert.notEqual(ko.title, texts['ko:generic'], code);
      assert.doesNotMatch(en.title, /[가-힣]/, `${code} in English: ${en.title}`);
      assert.notEqual(en.title, texts['en:generic'], code);
      assert.equal(en.detail, 'Server text in English.', code);
    }
    assert.match(texts['ko:seats_taken'].title, /B2, B10/);
    assert.match(texts['ko:rate_limited'].title, /3초/);
    assert.notEqual(texts['ko:not_cancellable'].title, texts['ko:hold_expired'].title);
    // Not the payment's wording: the gateway shed the request, or the store was busy.
    assert.notEqual(texts['ko:overloaded'].title, texts['ko:payment_unavailable'].title);
    assert.notEqual(texts['ko:busy'].title, texts['ko:payment_unavailable'].title);
    assert.match(texts['ko:overloaded'].title, /3초/);
  }, { locale: 'ko-KR' });
});

test('the language switch is kept by the account, and a new browser adopts it at sign-in', async () => {
  const name = api.unique('jisoo');
  const customer = await api.token(name, ['customer']);
  const server = (await api.preferences(customer)).status === 200;
  await withPage(browser, 'language-preference', async (page) => {
    await signIn(page, name);
    await expectText(page.locator('h1'), /^현재 상영작$/);
    // The answer, not just the request: closing the page must not cut the PUT short.
    const put = page.waitForResponse((r) => r.url().endsWith('/api/my/preferences') && r.request().method() === 'PUT');
    await page.getByRole('button', { name: /Switch to English/ }).click();
    assert.deepEqual((await put).request().postDataJSON(), { language: 'en' });
    await expectText(page.locator('h1'), /^Now showing$/);
  }, { locale: 'ko-KR' });
  if (server) {
    await api.eventually('the account to keep English', async () => (await api.preferences(customer)).body?.language === 'en');
  }

  // Another browser, nothing chosen there: signing in brings the account's English.
  await withPage(browser, 'language-adopted', async (page) => {
    if (!server) {
      // A server without preferences yet: stand in for it (the page's side is what is tested).
      await page.route('**/api/my/preferences', (route) => route.fulfill({ json: { language: 'en' } }));
    }
    await page.goto('/signin');
    await expectText(page.locator('h1'), /^로그인$/);
    await page.locator('#signin-name').fill(name);
    await page.locator('#signin-submit').click();
    await expectText(page.locator('h1'), /^Now showing$/);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  }, { locale: 'ko-KR', language: null });
});

test('my bookings: upcoming with the cancellation deadline, then past and cancelled; channels by name', async () => {
  const evening = api.seoulEvening(2);
  const first = await api.bookableScreening({ title: api.unique('파묘'), startsAt: evening.iso, runtimeMin: 134 });
  const second = await api.bookableScreening({ title: api.unique('서울의봄'), startsAt: api.seoulEvening(3).iso });
  const name = api.unique('minji');
  const customer = await api.token(name, ['customer']);
  const kept = await api.book(customer, first.screeningId, ['B4']);
  const dropped = await api.book(customer, second.screeningId, ['C1']);
  assert.equal(kept.status, 202, JSON.stringify(kept.body));
  assert.equal(dropped.status, 202, JSON.stringify(dropped.body));
  await api.eventually('both bookings confirmed', async () => {
    const mine = await api.myReservations(customer);
    return mine.body.length === 2 && mine.body.every((r) => r.status === 'CONFIRMED');
  });
  assert.equal((await api.cancel(customer, dropped.body.reservation_id)).status, 200);
  const listed = await api.eventually('the cancel in my bookings', async () => {
    const mine = await api.myReservations(customer);
    return mine.body.some((r) => r.status === 'CANCELLED') && mine.body;
  });
  const keptNumber = listed.find((r) => r.reservation_id === kept.body.reservation_id).booking_number
    ?? kept.body.reservation_id.slice(0, 8).toUpperCase();

  await withPage(browser, 'my-bookings-split', async (page) => {
    await signIn(page, name);
    await page.goto('/my');
    const upcoming = page.locator('#my-upcoming');
    const past = page.locator('#my-past');
    await expectText(upcoming.locator('h3'), /^관람 예정 \(1\)$/);
    await expectText(past.locator('h3'), /^지난 예매 · 취소된 예매 \(1\)$/);
    const next = upcoming.locator('article.booking');
    await expectText(next.locator('.booking__title'), new RegExp(first.title));
    await expectText(next.locator('.booking__number'), new RegExp(`^${keptNumber}$`));
    await expectText(next.locator('.booking__when'), new RegExp(`${evening.month}월 ${evening.day}일 \\(.\\) 19:00~21:14 \\(대한민국\\s시간\\)`));
    await expectText(next.locator('.booking__deadline'), new RegExp(`^취소 가능: ${evening.month}월 ${evening.day}일 19:00 \\(대한민국\\s시간\\)까지`));
    assert.equal(await next.getByRole('button', { name: '예매 취소' }).count(), 1);

    const gone = past.locator('article.booking');
    await expectText(gone.locator('.booking__title'), new RegExp(second.title));
    await expectText(gone.locator('.booking__status'), /^예매 취소$/);
    assert.equal(await gone.locator('.booking__deadline').count(), 0);
    assert.equal(await gone.getByRole('button', { name: '예매 취소' }).count(), 0);

    const deliveries = page.locator('#my-notifications .notification__delivery');
    await expectText(deliveries, /(앱 알림|카카오톡|\S+) · 발송/);
    for (const text of await deliveries.allInnerTexts()) assert.doesNotMatch(text, /\blog\b|채널/, text);
    await keyScreen(page, '26-my-bookings-split-korean');
  }, { locale: 'ko-KR', timezoneId: 'UTC' });
});
