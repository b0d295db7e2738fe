// Issue 15 in the browser: the seat map like a cinema's (aisles, row letters both sides, seat
// kinds, couple pairs chosen together, kinds and prices in a legend), a phone that sees every
// seat and pays from the sticky bar, ticket types (성인/청소년/…) adding up to the seats with the
// server's hold total shown, the date strip that hides started showtimes, age ratings, and the
// staff pages: landing, the hall list and layout form, the programme and who sits where.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as api from './support/api.js';
import { DESKTOP, PHONE, launchBrowser, keyScreen, withPage } from './support/browser.js';
import { expectAttribute, expectText, holdSeats, seat, signIn } from './support/ui.js';

let browser;
before(async () => { browser = await launchBrowser(); });
after(() => browser?.close());

const won = (amount) => ({ amount, currency: 'KRW' });
// The doc's example hall (docs/halls-and-prices.md), one more plain row.
const LAYOUT = {
  rows: [
    { seats: 12, aisles_after: [2, 10], kinds: { wheelchair: [1], companion: [2] } },
    { seats: 12, aisles_after: [2, 10], kinds: { premium: [5, 6, 7, 8] } },
    { seats: 12, aisles_after: [2, 10] },
    { seats: 10, space_before: true, kinds: { couple: [1, 2, 3, 4, 7, 8, 9, 10] } },
  ],
};
const PRICED = {
  prices: { adult: won(14000), youth: won(11000), senior: won(7000) },
  seat_surcharges: { premium: won(3000), couple: won(2000) },
  age_rating: '15', genre: 'Drama', synopsis: 'Two strangers share a couple seat.',
};

/** Every seat button's box: { label, left, right, width, height }. */
const seatBoxes = (page) => page.locator('.seat-grid .seat').evaluateAll((buttons) => buttons.map((b) => {
  const r = b.getBoundingClientRect();
  return { label: b.dataset.seat, left: r.left, right: r.right, width: r.width, height: r.height };
}));

test('a phone sees every seat of a small hall at 32 px or more, and pays from the sticky bar', async () => {
  const { screeningId } = await api.bookableScreening({ rows: 6, seatsPerRow: 8 });
  await withPage(browser, 'phone-seat-map', async (page) => {
    await signIn(page, api.unique('dana'));
    await page.goto(`/screenings/${screeningId}`);
    await expectAttribute(seat(page, 'F8'), 'aria-label', 'Row F seat 8, free');
    await expectText(page.locator('#seats-left'), /^48 of 48 seats left$/);
    await page.waitForFunction(() => document.querySelector('.seatmap')?.dataset.zoomed === 'false');
    const boxes = await seatBoxes(page);
    assert.equal(boxes.length, 48);
    for (const box of boxes) {
      assert.ok(box.left >= 0 && box.right <= PHONE.width, `${box.label} is out of view (${box.left}–${box.right})`);
      assert.ok(box.width >= 32 && box.height >= 32, `${box.label} is ${box.width}×${box.height} px`);
    }
    assert.equal(await page.locator('#seat-zoom-hint').isVisible(), false, 'nothing to scroll, nothing to hint');
    // Row letters on both sides.
    assert.equal(await page.locator('.seat-grid .row-label', { hasText: /^A$/ }).count(), 2);

    await seat(page, 'F4').click();
    await seat(page, 'F5').click();
    await expectText(page.locator('#checkout-total'), /^₩22,000$/);
    await page.evaluate(() => window.scrollTo(0, 0));
    const bar = await page.locator('#checkout-bar').boundingBox();
    assert.ok(bar.y + bar.height <= PHONE.height + 1 && bar.y >= PHONE.height / 2, `the bar is in view at the bottom (${JSON.stringify(bar)})`);
    await keyScreen(page, '30-seat-map-phone');
    await holdSeats(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    const pay = await page.locator('#pay').boundingBox();
    assert.ok(pay.y + pay.height <= PHONE.height + 1, `the pay button is in view without scrolling (${JSON.stringify(pay)})`);
    await expectText(page.locator('#pay'), /^Pay ₩22,000$/);
    await page.locator('#pay').click();
    await expectText(page.locator('#booking-status'), /^Confirmed$/);
  }, { viewport: PHONE, mobile: true });
});

test('a hall too wide for a phone is drawn at 32 px with a hint and an overview, and every seat can be reached', async () => {
  const { screeningId } = await api.bookableScreening({ layout: LAYOUT, movie: PRICED, price: 14000 });
  await withPage(browser, 'phone-wide-hall', async (page) => {
    await signIn(page, api.unique('yuna'));
    await page.goto(`/screenings/${screeningId}`);
    await expectAttribute(seat(page, 'A12'), 'aria-label', 'Row A seat 12, free');
    await page.waitForFunction(() => document.querySelector('.seatmap')?.dataset.zoomed === 'true');
    await expectText(page.locator('#seat-zoom-hint'), /swipe sideways to see every seat/);
    assert.equal(await page.locator('#seat-overview').isVisible(), true, 'the overview of the whole hall');
    assert.equal(await page.locator('#seat-overview rect.ov').count(), 46, 'the overview draws every seat');
    for (const box of await seatBoxes(page)) assert.ok(box.width >= 32, `${box.label} is ${box.width} px wide`);
    // The page itself does not scroll sideways; the map does, and says so.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    await seat(page, 'A12').click();
    await expectAttribute(seat(page, 'A12'), 'aria-pressed', 'true');
    const a12 = await seat(page, 'A12').boundingBox();
    assert.ok(a12.x >= 0 && a12.x + a12.width <= PHONE.width, 'a seat chosen is scrolled into view');
    await keyScreen(page, '31-seat-map-wide-phone');
  }, { viewport: PHONE, mobile: true });
});

test('seat kinds, a couple seat chosen as a pair, ticket types and the server\'s total', async () => {
  const { screeningId, title } = await api.bookableScreening({ layout: LAYOUT, movie: PRICED, price: 14000 });
  await withPage(browser, 'kinds-and-tickets', async (page) => {
    await signIn(page, api.unique('jiwoo'));
    await page.goto(`/screenings/${screeningId}`);
    await expectAttribute(seat(page, 'A1'), 'aria-label', 'Row A seat 1, free, wheelchair space');
    await expectAttribute(seat(page, 'A2'), 'aria-label', 'Row A seat 2, free, companion seat');
    await expectAttribute(seat(page, 'B5'), 'aria-label', 'Row B seat 5, free, premium seat');
    await expectAttribute(seat(page, 'D1'), 'aria-label', 'Row D seat 1, free, couple seat with D2');
    await expectAttribute(seat(page, 'C5'), 'aria-label', 'Row C seat 5, free');
    const legend = page.locator('#kind-legend');
    await expectText(legend.locator('[data-kind="premium"]'), /Premium\s*₩17,000/);
    await expectText(legend.locator('[data-kind="couple"]'), /Couple \(sold in pairs\)\s*₩16,000/);
    await expectText(page.locator('.screening-meta .rating'), /15/);
    // An aisle: C2 and C3 are not next to each other.
    const [c2, c3] = [await seat(page, 'C2').boundingBox(), await seat(page, 'C3').boundingBox()];
    assert.ok(c3.x - (c2.x + c2.width) > 20, `an aisle between C2 and C3 (${c3.x - (c2.x + c2.width)} px)`);
    // The keyboard crosses the aisle and the cross aisle.
    await seat(page, 'C2').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.seat), 'C3');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.seat), 'D2', 'the nearest seat of the next row');
    await page.keyboard.press('End');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.seat), 'D10');

    // One half of a couple seat brings the other; clicking either again lets both go.
    await seat(page, 'D2').click();
    await expectAttribute(seat(page, 'D1'), 'aria-pressed', 'true');
    await expectAttribute(seat(page, 'D2'), 'aria-pressed', 'true');
    await seat(page, 'D1').click();
    await expectAttribute(seat(page, 'D2'), 'aria-pressed', 'false');
    await seat(page, 'D1').click();
    await seat(page, 'B5').click();
    await expectText(page.locator('#selected-seats'), /^B5, D1, D2$/);
    // All adult: 3 × 14,000 + premium 3,000 + 2 × couple 2,000.
    await expectText(page.locator('#ticket-adult-count'), /^3$/);
    await expectText(page.locator('#checkout-total'), /^₩49,000$/);
    await page.getByRole('button', { name: 'One Youth ticket more' }).click();
    await page.getByRole('button', { name: 'One Senior ticket more' }).click();
    await expectText(page.locator('#ticket-adult-count'), /^1$/);
    await expectText(page.locator('#ticket-summary'), /^Adult 1 · Youth 1 · Senior 1$/);
    await expectText(page.locator('#checkout-total'), /^₩39,000$/);
    await keyScreen(page, '32-seat-map-kinds-desktop');

    const sent = page.waitForRequest((r) => r.url().endsWith('/api/holds') && r.method() === 'POST');
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/holds') && r.request().method() === 'POST');
    await holdSeats(page);
    assert.deepEqual((await sent).postDataJSON().tickets, { adult: 1, youth: 1, senior: 1 });
    const held = await (await answer).json();
    assert.deepEqual(held.total, won(39000), 'the server computes the same total');
    await expectText(page.locator('#pay'), /^Pay ₩39,000$/);

    // A ticket type changed while holding holds again with the new tickets.
    const again = page.waitForResponse((r) => r.url().endsWith('/api/holds') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'One Senior ticket less' }).click();
    const rehold = await (await again).json();
    assert.deepEqual(rehold.tickets, { adult: 2, youth: 1 });
    await expectText(page.locator('#pay'), /^Pay ₩46,000$/);
    await page.locator('#pay').click();
    await expectText(page.locator('#booking-status'), /^Confirmed$/);
    await expectText(page.locator('#booking-movie'), new RegExp(title));
    await expectText(page.locator('.booking__tickets'), /^Adult 2 · Youth 1$/);
  });
});

test('the date strip: today, tomorrow, weekdays; started showtimes hidden; ratings on every movie', async () => {
  // Two showtimes an hour and three hours from now; the page's clock is then two hours ahead.
  const soon = api.inHours(1);
  const later = api.inHours(3);
  const { title, screeningIds: [first, second] } = await api.bookableScreening({
    startsAt: soon, more: [later], runtimeMin: 60,
    movie: { age_rating: '18', genre: 'Thriller', synopsis: 'A night in Seoul.' },
  });
  await withPage(browser, 'date-strip', async (page) => {
    await page.goto('/');
    const card = page.locator('article.movie', { hasText: title });
    await expectText(card, new RegExp(title));
    assert.equal(await card.locator(`a[data-screening-id="${first}"]`).count(), 1, 'not started yet: listed');
    await expectText(card.locator('.rating'), /18/);
    await expectText(card.locator('.rating .visually-hidden'), /^Adults only \(18\+\)$/);
    await expectText(card.locator('.movie__info'), /Thriller/);

    await page.clock.install({ time: Date.now() + 2 * 3600_000 });
    await page.goto('/');
    await expectText(card, new RegExp(title));
    assert.equal(await card.locator(`[data-screening-id="${first}"]`).count(), 0, 'a showtime that started is hidden');
    assert.equal(await card.locator(`a[data-screening-id="${second}"]`).count(), 1);
    const strip = page.getByRole('navigation', { name: 'Dates' });
    await expectText(strip.locator('li').nth(1), /Today/);
    await expectText(strip.locator('li').nth(2), /Tomorrow/);
    assert.ok(await strip.locator('li').count() >= 8, 'all, then at least a week');
    await keyScreen(page, '33-movies-date-strip-desktop');

    // The day of the later showtime (on the venue's calendar): only that day's showtimes.
    const day = await page.evaluate((iso) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date(iso)), later);
    await strip.locator(`a[data-day="${day}"]`).click();
    await page.waitForURL(new RegExp(`date=${day}`));
    await expectAttribute(strip.locator(`a[data-day="${day}"]`), 'aria-current', 'date');
    await expectText(card, new RegExp(title));
    assert.equal(await card.locator(`a[data-screening-id="${second}"]`).count(), 1);
    await card.locator('summary').click();
    await expectText(card.locator('.movie__synopsis'), /A night in Seoul\./);
  });
});

test('staff land on the staff pages, find a hall, create one with a layout, and see the programme and who sits where', async () => {
  const customer = api.unique('seoyeon');
  const hallName = api.unique('Layout Hall');
  const formTitle = api.unique('Form');
  await withPage(browser, 'staff-programme', async (page) => {
    // From the movie list's "Sign in" link: staff still land on the staff pages.
    await page.goto('/');
    await page.locator('#sign-in-link').click();
    await page.locator('#signin-name').fill('admin');
    await page.locator('#role-admin').check();
    await page.locator('#signin-submit').click();
    await page.waitForURL(/\/staff$/);

    await page.locator('#hall-name').fill(hallName);
    await page.locator('#hall-rows').fill('5');
    await page.locator('#hall-seats').fill('12');
    await page.locator('#hall-layout summary').click();
    await page.locator('#hall-aisles').fill('2, 10');
    await page.locator('#hall-cross').fill('E');
    await page.locator('#hall-premium').fill('C5-C8');
    await page.locator('#hall-wheelchair').fill('A1, A12');
    await page.locator('#hall-couple').fill('E');
    await expectText(page.locator('#hall-preview'), /60 seats/);
    await page.getByRole('button', { name: 'Create hall' }).click();
    await expectText(page.locator('#flash-hall'), new RegExp(`Hall “${hallName}” created with 60 seats`));
    await page.locator('#hall-search').fill(hallName);
    await expectText(page.locator('#hall-count'), /^1 of \d+ halls$/);
    await expectText(page.locator('#hall-list li:not([hidden])'), new RegExp(hallName));
    assert.equal(await page.locator('#hall-list li:not([hidden]) svg rect.hd--premium').count(), 4);
    await keyScreen(page, '34-staff-halls-desktop');

    // A movie with ticket types, surcharges and a rating, from the form.
    await page.locator('#movie-title').fill(formTitle);
    await page.locator('#movie-price').fill('13000');
    await page.locator('#movie-rating').selectOption('12');
    await page.locator('#movie-genre').fill('Animation');
    await page.locator('#movie-prices summary').click();
    await page.locator('#movie-price-youth').fill('10000');
    await page.locator('#movie-surcharge-premium').fill('2000');
    await page.locator('#screening-hall-0').selectOption({ label: `${hallName} (60)` });
    await page.getByRole('button', { name: 'Register movie' }).click();
    await expectText(page.locator('#flash-movie'), new RegExp(`“${formTitle}” registered with 1 showtime`));
  });
  const listed = await api.eventually('the catalog to list the movie', async () => {
    const all = await api.raw('GET', '/movies');
    return all.body.find((m) => m.title === formTitle);
  });
  assert.equal(listed.age_rating, '12');
  assert.equal(listed.genre, 'Animation');
  assert.deepEqual(listed.screenings[0].prices, { adult: won(13000), youth: won(10000) });
  assert.deepEqual(listed.screenings[0].seat_surcharges.premium, won(2000));

  const admin = await api.token('admin', ['admin']);
  const halls = await api.raw('GET', '/halls', { token: admin });
  const hall = halls.body.find((x) => x.name === hallName);
  assert.deepEqual(hall.layout.rows[2].kinds, { premium: [5, 6, 7, 8] });
  assert.equal(hall.layout.rows[4].space_before, true);
  const title = api.unique('Programme');
  // Not tomorrow 19:00, the form's default and already in this hall (at some hours of the day a
  // showtime 40 hours ahead overlapped it: 422).
  const movie = await api.raw('POST', '/movies', {
    token: admin,
    body: { title, runtime_min: 100, price: won(12000), screenings: [{ hall_id: hall.hall_id, starts_at: api.seoulEvening(3).iso }] },
  });
  assert.equal(movie.status, 201, JSON.stringify(movie.body));
  const screeningId = movie.body.screenings[0].screening_id;
  const buyer = await api.token(customer, ['customer']);
  let booked;
  await api.eventually('the booking', async () => {
    booked = await api.book(buyer, screeningId, ['B3', 'B4']);
    return booked.status === 202;
  });

  const held = await api.holdSeats(await api.token(api.unique('holder'), ['customer']), screeningId, ['C1']);
  assert.equal(held.status, 201, JSON.stringify(held.body));

  await withPage(browser, 'staff-programme-2', async (page) => {
    await signIn(page, 'admin', { admin: true });
    await page.getByRole('navigation').getByRole('link', { name: 'Programme' }).click();
    await page.locator('#programme-search').fill(title);
    const row = page.locator(`tr[data-screening-id="${screeningId}"]`);
    await expectText(row, /2 \/ 60/);
    await expectText(row, /3\.3%/);
    await expectText(row, /₩24,000/);
    await keyScreen(page, '35-staff-programme-desktop');
    // Another period: the showtime (in three days) is not in the one starting in 5 days.
    const inFiveDays = await page.evaluate(() => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date(Date.now() + 5 * 86_400_000)));
    await page.locator('#programme-from').fill(inFiveDays);
    await expectText(page.locator('#programme-empty'), /Nothing is scheduled in this period/);
    await page.locator('#programme-from').fill(await page.evaluate(() => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date())));
    await expectText(row, /2 \/ 60/);
    await row.getByRole('link').click();
    await page.waitForURL(/\/staff\/screenings\//);
    const number = booked.body.booking_number;
    await expectText(page.locator('#holders-table tr[data-seat="B3"]'), new RegExp(`Booking ${number}`));
    await expectText(page.locator('#holders-table tr[data-seat="B4"]'), new RegExp(`Booking ${number}`));
    await expectText(page.locator('#holders-table tr[data-seat="C1"]'), /Held, not paid yet/);
    await expectText(page.locator('#holders-meta'), new RegExp(title));
    await keyScreen(page, '36-staff-who-sits-where-desktop');
  });
});

test('without the programme and the staff seat map on the server, the staff pages say "not available"', async () => {
  const { screeningId } = await api.bookableScreening();
  await withPage(browser, 'staff-not-available', async (page) => {
    await page.route(/\/api\/admin\/programme(\?|$)/, (route) => route.fulfill({ status: 404, json: { error: 'not_found', message: 'no such endpoint' } }));
    await page.route('**/api/admin/screenings/*/seats', (route) => route.fulfill({ status: 404, json: { error: 'not_found', message: 'no such endpoint' } }));
    await signIn(page, 'admin', { admin: true });
    await page.goto('/staff/programme');
    await expectText(page.locator('#programme-unavailable'), /not available on this server yet/);
    await page.goto(`/staff/screenings/${screeningId}`);
    await expectText(page.locator('#holders-unavailable'), /not available on this server yet/);
    await expectText(page.locator('#holders'), /No seat is taken yet/);
    await keyScreen(page, '37-staff-not-available-desktop');
  }, { allow: [/status of 404/], viewport: DESKTOP });
});

test('in Korean on a phone: seat kinds, 관람 인원 and the total', async () => {
  const { screeningId } = await api.bookableScreening({ layout: LAYOUT, movie: PRICED, price: 14000 });
  await withPage(browser, 'kinds-korean-phone', async (page) => {
    await signIn(page, api.unique('haneul'));
    await page.goto(`/screenings/${screeningId}`);
    await expectAttribute(seat(page, 'B6'), 'aria-label', 'B열 6 번 좌석, 선택 가능, 프리미엄석');
    await expectAttribute(seat(page, 'D7'), 'aria-label', 'D열 7 번 좌석, 선택 가능, D8 좌석과 한 쌍인 커플석');
    await seat(page, 'B6').click();
    await seat(page, 'B7').click();
    // The bar names the tickets and leads to where they are chosen, below the map.
    await expectText(page.locator('#checkout-bar .bar__tickets'), /^성인 2$/);
    await page.locator('#bar-tickets').click();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), '청소년 1명 추가');
    await page.getByRole('button', { name: '청소년 1명 추가' }).click();
    await expectText(page.locator('#checkout-bar .bar__tickets'), /^성인 1 · 청소년 1$/);
    await expectText(page.locator('#ticket-summary'), /^성인 1 · 청소년 1$/);
    await expectText(page.locator('#checkout-total'), /^₩31,000$/); // 14,000 + 11,000 + 2 × 3,000
    await expectText(page.locator('#kind-legend'), /프리미엄석\s*₩17,000/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await keyScreen(page, '38-seat-map-kinds-phone-korean');
  }, { viewport: PHONE, mobile: true, locale: 'ko-KR' });
});
