// Venue time: every showtime reads on the venue's clock (Asia/Seoul) whatever zone the device is
// set to, with the zone named where the device's clock differs, as "19:00~20:40" (the end from
// the runtime); and staff enter showtimes on the venue's clock, also from a laptop set to UTC.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as api from './support/api.js';
import { launchBrowser, keyScreen, withPage } from './support/browser.js';
import { expectText, holdSeats, signIn } from './support/ui.js';

let browser;
before(async () => { browser = await launchBrowser(); });
after(() => browser?.close());

const KOREAN = {
  name: 'Korean', locale: 'ko-KR', seat: 'A열 1 번 좌석, 선택 가능',
  // "12월 7일 (월) 19:00~20:40 (대한민국 시간)"
  showtime: ({ month, day }, zone) => new RegExp(`${month}월 ${day}일 \\(.\\)\\s+19:00~20:40${zone ? ' \\(대한민국\\s시간\\)' : '$'}`),
  deadline: ({ month, day }) => new RegExp(`취소 가능: ${month}월 ${day}일 19:00 \\(대한민국\\s시간\\)까지`),
  confirmed: /^예매 확정$/,
};
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ENGLISH = {
  name: 'English', locale: 'en-US', seat: 'Row A seat 1, free',
  // "Mon, Dec 7 19:00–20:40 (KST)"
  showtime: ({ month, day }, zone) => new RegExp(`${MONTHS[month - 1]} ${day}\\s+19:00–20:40${zone ? ' \\(KST\\)' : '$'}`),
  deadline: ({ month, day }) => new RegExp(`cancel until ${MONTHS[month - 1]} ${day} 19:00 \\(KST\\)`),
  confirmed: /^Confirmed$/,
};

for (const [ui, timezoneId] of [[KOREAN, 'UTC'], [ENGLISH, 'America/Los_Angeles']]) {
  test(`${ui.name}, on a device set to ${timezoneId}: the 19:00 show reads 19:00~20:40 Seoul time from the list to my bookings`, async () => {
    const evening = api.seoulEvening(2);
    const { title } = await api.bookableScreening({ startsAt: evening.iso, runtimeMin: 100 });
    const slug = timezoneId.replace(/\W+/g, '-').toLowerCase();
    await withPage(browser, `venue-time-${ui.name}-${slug}`, async (page) => {
      assert.notEqual(await page.evaluate(() => new Date().getTimezoneOffset()), -540, 'the device is not on Seoul time');
      await signIn(page, api.unique('abroad'));
      const card = page.locator('article.movie', { hasText: title });
      await expectText(card.locator('.showtime__when'), ui.showtime(evening, true));
      await keyScreen(page, `22-movies-${ui.name}-${slug}`);

      await card.locator('a.showtime').click();
      await expectText(page.locator('#screening-when'), ui.showtime(evening, true));
      await page.getByRole('button', { name: ui.seat }).click();
      await holdSeats(page);
      await page.locator('#pay').click();
      await expectText(page.locator('#booking-status'), ui.confirmed);
      await expectText(page.locator('#booking-showtime'), ui.showtime(evening, true));
      await keyScreen(page, `23-booking-${ui.name}-${slug}`);

      await page.goto('/my');
      const booking = page.locator('#my-upcoming article.booking', { hasText: title });
      await expectText(booking.locator('.booking__when'), ui.showtime(evening, true));
      await expectText(booking.locator('.booking__deadline'), ui.deadline(evening));
      assert.equal(await page.locator('#my-past').count(), 0, 'nothing past or cancelled yet');
      assert.doesNotMatch(await page.locator('#my-bookings').innerText(), /\b(null|undefined)\b/);
      await keyScreen(page, `24-my-bookings-${ui.name}-${slug}`);
    }, { locale: ui.locale, timezoneId });
  });
}

test('on a device set to Seoul time the showtime needs no zone name', async () => {
  const evening = api.seoulEvening(2);
  const { title } = await api.bookableScreening({ startsAt: evening.iso, runtimeMin: 100 });
  for (const ui of [KOREAN, ENGLISH]) {
    await withPage(browser, `venue-time-seoul-${ui.name}`, async (page) => {
      await page.goto('/');
      const card = page.locator('article.movie', { hasText: title });
      await expectText(card.locator('.showtime__when'), ui.showtime(evening, false));
    }, { locale: ui.locale, timezoneId: 'Asia/Seoul' });
  }
});

test('staff on a laptop set to UTC schedule "19:00" and the screening starts at 19:00 Seoul time (10:00Z)', async () => {
  const admin = await api.token('admin', ['admin']);
  const hall = await api.raw('POST', '/halls', { token: admin, body: { name: api.unique('Hall'), rows: 4, seats_per_row: 6 } });
  assert.equal(hall.status, 201, JSON.stringify(hall.body));
  const title = api.unique('Venue');
  const evening = api.seoulEvening(3);
  const localDay = new Date(evening.ms).toISOString().slice(0, 10);

  await withPage(browser, 'staff-venue-time', async (page) => {
    await signIn(page, 'admin', { admin: true });
    await expectText(page.locator('#movie-form'), /시작 시간 \(대한민국 시간, Asia\/Seoul\)/);

    // Defaults and limits are on the venue's clock too, not the laptop's.
    const seoulNow = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Seoul', dateStyle: 'short', timeStyle: 'short' });
    const min = await page.locator('#screening-start-0').getAttribute('min');
    const candidates = [Date.now() - 60_000, Date.now()].map((ms) => seoulNow.format(ms).replace(' ', 'T'));
    assert.ok(candidates.includes(min), `min ${min} is the venue's now (${candidates.join(' or ')})`);
    const tomorrow = seoulNow.format(Date.now() + 86_400_000).slice(0, 10);
    assert.equal(await page.locator('#screening-start-0').inputValue(), `${tomorrow}T19:00`);

    await page.locator('#movie-title').fill(title);
    await page.locator('#movie-runtime').fill('90');
    await page.locator('#screening-hall-0').selectOption(hall.body.hall_id);
    await page.locator('#screening-start-0').fill(`${localDay}T19:00`);
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/movies') && r.method() === 'POST');
    await page.locator('#movie-form button[type=submit]').click();
    assert.equal((await sent).postDataJSON().screenings[0].starts_at, `${localDay}T19:00:00+09:00`);
    await expectText(page.locator('#flash-movie'), new RegExp(`“${title}”`));
  }, { locale: 'ko-KR', timezoneId: 'UTC' });

  const movie = await api.eventually('the catalog to list the movie', async () => {
    const all = await api.raw('GET', '/movies');
    return all.body.find((m) => m.title === title);
  });
  assert.equal(Date.parse(movie.screenings[0].starts_at), evening.ms, `starts_at ${movie.screenings[0].starts_at} is 10:00Z`);
});
