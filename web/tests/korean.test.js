// Korean: switching the language changes the UI text, is remembered, and the whole booking works
// in Korean (amounts in ₩ with grouping, dates in Korean).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as api from './support/api.js';
import { PHONE, launchBrowser, keyScreen, withPage } from './support/browser.js';
import { expectAttribute, expectText, holdSeats, seat } from './support/ui.js';

let browser;
before(async () => { browser = await launchBrowser(); });
after(() => browser?.close());

test('switching to Korean changes the UI text and is remembered', async () => {
  await withPage(browser, 'korean-switch', async (page) => {
    await page.goto('/');
    await expectText(page.locator('h1'), /^Now showing$/);
    await expectText(page.getByRole('navigation'), /Movies/);
    await page.getByRole('button', { name: /Switch to Korean/ }).click();
    await expectText(page.locator('h1'), /^현재 상영작$/);
    await expectText(page.getByRole('navigation'), /영화/);
    await expectText(page.locator('#sign-in-link'), /^로그인$/);
    assert.equal(await page.locator('html').getAttribute('lang'), 'ko');

    await page.reload();
    await expectText(page.locator('h1'), /^현재 상영작$/);
    await page.getByRole('button', { name: /Switch to English/ }).click();
    await expectText(page.locator('h1'), /^Now showing$/);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  });
});

test('a customer books and cancels entirely in Korean', async () => {
  const { title, screeningId } = await api.bookableScreening({ title: api.unique('기생충'), price: 12000 });
  await withPage(browser, 'korean-journey', async (page) => {
    // A browser that prefers Korean gets Korean without asking.
    await page.goto('/signin');
    await expectText(page.locator('h1'), /^로그인$/);
    await expectText(page.locator('#lang-switch span[lang="en"]'), /^English$/);
    const name = api.unique('minji');
    await page.locator('#signin-name').fill(name);
    await page.getByRole('button', { name: '로그인', exact: true }).click();
    await expectText(page.locator('#who'), new RegExp(name));
    await expectText(page.getByRole('navigation'), /내 예매/);

    const card = page.locator('article.movie', { hasText: title });
    await expectText(card, /잔여 40\/40석/);
    await expectText(card, /₩12,000/);
    await card.locator('a.showtime').click();
    await expectAttribute(seat(page, 'A2'), 'aria-label', 'A열 2 번 좌석, 선택 가능');
    await page.getByRole('button', { name: 'A열 2 번 좌석, 선택 가능' }).click();
    await page.getByRole('button', { name: 'A열 3 번 좌석, 선택 가능' }).click();
    await expectAttribute(seat(page, 'A2'), 'aria-label', 'A열 2 번 좌석, 선택됨');
    await expectText(page.locator('#hold'), /^좌석 선택 완료$/);
    await holdSeats(page);
    await expectText(page.locator('#hold-timer'), /남은 결제 시간/);
    await expectText(page.locator('#announcer'), /A2, A3 좌석을 잡아 두었습니다\. \d+분/);
    await expectText(page.locator('#pay'), /^₩24,000 결제하기$/);
    await expectText(page.locator('#checkout-form'), /tok_declined는 항상 거절/);
    await keyScreen(page, '14-seat-map-korean-phone');

    await page.locator('#pay').click();
    await expectText(page.locator('#booking-status'), /^예매 확정$/);
    await expectText(page.locator('#booking-explanation'), /좌석이 확정되었습니다/);
    await page.getByRole('button', { name: '예매 취소' }).click();
    await page.getByRole('button', { name: '네, 취소합니다' }).click();
    await expectText(page.locator('#booking-status'), /^예매 취소$/);
    await expectText(page.locator('#booking-refund'), /^환불 완료$/);
    await keyScreen(page, '15-booking-refunded-korean-phone');

    await page.getByRole('navigation').getByRole('link', { name: '내 예매' }).click();
    await expectText(page.locator('#my-notifications li[data-status="REFUNDED"]'), /환불 완료/);
    await expectText(page.locator('h1'), /^내 예매$/);
    await keyScreen(page, '16-my-bookings-korean-phone');
  }, { viewport: PHONE, mobile: true, locale: 'ko-KR' });
});

test('the staff page speaks Korean too', async () => {
  await withPage(browser, 'korean-staff', async (page) => {
    await page.goto('/signin');
    await page.locator('#signin-name').fill('admin');
    await page.locator('#role-admin').check();
    await page.getByRole('button', { name: '로그인', exact: true }).click();
    await expectText(page.locator('h1'), /^극장 관리$/);
    await expectText(page.locator('#staff-halls h2'), /^상영관$/);
    await expectText(page.locator('#staff-simulator'), /서킷 브레이커/);
    await expectText(page.getByRole('button', { name: '영화 등록하기' }), /영화 등록하기/);
    await keyScreen(page, '17-staff-korean-phone');
  }, { viewport: PHONE, mobile: true, locale: 'ko-KR' });
});

test('an address the app does not know says so in Korean and leads back to the movies', async () => {
  await withPage(browser, 'not-found', async (page) => {
    await page.goto('/no/such/page');
    await expectText(page.locator('h1'), /^페이지를 찾을 수 없습니다$/);
    assert.match(await page.title(), /페이지를 찾을 수 없습니다/);
    await keyScreen(page, '29-not-found-korean-phone');
    await page.getByRole('link', { name: '영화 목록으로' }).click();
    await expectText(page.locator('h1'), /^현재 상영작$/);
  }, { locale: 'ko-KR', viewport: PHONE, mobile: true });
});
